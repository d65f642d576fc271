import { describe, expect, it } from 'vitest';
import { databaseDriver, parseEnv } from './env';

describe('parseEnv', () => {
  it('fills defaults for an empty environment (a fresh clone needs no configuration)', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      ROOT_DOMAIN: 'localhost:3000',
      PGLITE_DIR: './.data/pglite',
      TRUST_PROXY: false,
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('treats blank values as unset', () => {
    expect(parseEnv({ DATABASE_URL: '', TRUST_PROXY: '' }).DATABASE_URL).toBeUndefined();
  });

  it('reads TRUST_PROXY as a flag', () => {
    expect(parseEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(parseEnv({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(true);
    expect(parseEnv({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
  });

  it('reads the API rate limiter’s fail mode, open unless told otherwise', () => {
    expect(parseEnv({}).API_RATE_LIMIT_FAIL_MODE).toBe('open');
    expect(parseEnv({ API_RATE_LIMIT_FAIL_MODE: 'closed' }).API_RATE_LIMIT_FAIL_MODE).toBe(
      'closed',
    );
    expect(() => parseEnv({ API_RATE_LIMIT_FAIL_MODE: 'shut' })).toThrow(
      /API_RATE_LIMIT_FAIL_MODE/,
    );
  });

  it('enters Stripe mode only with both Stripe keys, and reads the billing grace period', () => {
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'sk_test_1' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(() => parseEnv({ STRIPE_WEBHOOK_SECRET: 'whsec_1' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(
      parseEnv({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' })
        .STRIPE_SECRET_KEY,
    ).toBe('sk_test_1');
    expect(parseEnv({}).BILLING_GRACE_DAYS).toBe(7);
    expect(parseEnv({ BILLING_GRACE_DAYS: '3' }).BILLING_GRACE_DAYS).toBe(3);
    expect(() => parseEnv({ BILLING_GRACE_DAYS: '-1' })).toThrow(/BILLING_GRACE_DAYS/);
  });

  it('lists every invalid variable in one error', () => {
    expect(() =>
      parseEnv({
        ROOT_DOMAIN: 'http://x',
        AUTH_SECRET: 'short',
        UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
      }),
    ).toThrow(/ROOT_DOMAIN[\s\S]*AUTH_SECRET[\s\S]*UPSTASH_REDIS_REST_TOKEN/);
  });
});

describe('databaseDriver', () => {
  it('chooses PGlite without a URL, pg for a postgres URL and Neon for Neon hosts or when told', () => {
    expect(databaseDriver({})).toBe('pglite');
    expect(databaseDriver({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' })).toBe('pg');
    expect(
      databaseDriver({ DATABASE_URL: 'postgres://u@ep-x.eu-central-1.aws.neon.tech/db' }),
    ).toBe('neon');
    expect(
      databaseDriver({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', DATABASE_DRIVER: 'neon' }),
    ).toBe('neon');
  });
});
