import { defineConfig } from 'drizzle-kit';

// Only `generate` is used with this config: migrations are applied by `npm run db:migrate`
// (or by the app itself on the embedded database), never by `drizzle-kit push`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
});
