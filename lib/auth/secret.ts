import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { env } from '@/lib/env';

/**
 * AUTH_SECRET signs and encrypts session tokens. Production requires it; development keeps a
 * generated one in ./.data so sessions survive a restart of `npm run dev`.
 */
export function authSecret(): string {
  const config = env();
  if (config.AUTH_SECRET) return config.AUTH_SECRET;
  if (config.NODE_ENV === 'production') {
    throw new Error(
      'AUTH_SECRET is not set. Generate one with `openssl rand -base64 32` and set it in the environment.',
    );
  }
  // Beside the embedded database's directory (./.data by default), which git ignores.
  const file = path.resolve(path.dirname(config.PGLITE_DIR), 'dev-auth-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
