import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

async function loadSecret(env: Record<string, string>) {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('./secret')).authSecret;
}

afterEach(() => vi.unstubAllEnvs());

describe('authSecret', () => {
  it('uses AUTH_SECRET when set', async () => {
    const authSecret = await loadSecret({ AUTH_SECRET: 'x'.repeat(40) });
    expect(authSecret()).toBe('x'.repeat(40));
  });

  it('is required in production', async () => {
    const authSecret = await loadSecret({ NODE_ENV: 'production', AUTH_SECRET: '' });
    expect(() => authSecret()).toThrow(/AUTH_SECRET is not set/);
  });

  it('keeps a generated development secret beside the embedded database, stable across restarts', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-secret-'));
    const authSecret = await loadSecret({
      NODE_ENV: 'development',
      AUTH_SECRET: '',
      PGLITE_DIR: path.join(dataDir, 'pglite'),
    });
    const first = authSecret();
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dataDir, 'dev-auth-secret')).mode & 0o777).toBe(0o600);
    expect(authSecret()).toBe(first);
  });
});
