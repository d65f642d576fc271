import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { users } from '@/db/schema';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('PLATFORM_ADMIN_EMAIL', () => {
  it('makes that user an operator when the app opens its database, beside the seeded demo operator', async () => {
    vi.stubEnv(
      'PGLITE_DIR',
      path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-')), 'pglite'),
    );
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('PLATFORM_ADMIN_EMAIL', 'Owner@Acme.test');
    const { getDatabase, installDatabase } = await import('@/db/runtime');
    const { withPlatform } = await import('@/db/scope');
    const { authenticateOperator } = await import('./index');
    const handle = await getDatabase();
    try {
      const operators = await withPlatform((tx) =>
        tx
          .select({ email: users.email })
          .from(users)
          .where(eq(users.platformRole, 'operator'))
          .orderBy(users.email),
      );
      expect(operators.map((row) => row.email)).toEqual([
        'operator@tenantry.test',
        'owner@acme.test',
      ]);
      const outcome = await authenticateOperator({
        email: 'owner@acme.test',
        password: 'acme-owner-pass',
        request: { ip: '192.0.2.10' },
      });
      expect(outcome).toMatchObject({ ok: true, name: 'Ada Acme' });
    } finally {
      installDatabase(undefined);
      await handle.close();
    }
  });
});
