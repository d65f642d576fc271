import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '@/db/client';
import { setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { installDatabase } from '@/db/runtime';
import { startUpstashBridge } from '@/test-support/upstash-rest-bridge';
import { checkHealth } from './health';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

describe('checkHealth', () => {
  it('is ok while the database answers', async () => {
    const { report, httpStatus } = await checkHealth();
    expect(httpStatus).toBe(200);
    expect(report).toMatchObject({ status: 'ok', checks: { database: { status: 'ok' } } });
  });

  it('answers 503 without detail when the database is unreachable', async () => {
    // A real driver pointed at a port where nothing listens.
    const unreachable = await openDatabase({
      driver: 'pg',
      url: 'postgres://app:s3cret@127.0.0.1:9/tenantry',
    });
    installDatabase(unreachable);
    try {
      const { report, httpStatus } = await checkHealth();
      expect(httpStatus).toBe(503);
      expect(report).toEqual({
        status: 'degraded',
        checks: { database: { status: 'down', detail: 'unreachable' } },
      });
      expect(JSON.stringify(report)).not.toContain('s3cret');
    } finally {
      installDatabase(handle);
      await unreachable.close();
    }
  });
});

describe('checkHealth with the rate-limit store', () => {
  it('reports the store ok through the Upstash endpoint, and degraded (still 200) when it is down', async () => {
    const bridge = await startUpstashBridge({ token: 'health-token' });
    try {
      const up = await checkHealth({
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: 'health-token',
      });
      expect(up).toMatchObject({
        httpStatus: 200,
        report: { status: 'ok', checks: { rateLimitStore: { status: 'ok' } } },
      });
      const wrongToken = await checkHealth({
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: 'nope',
      });
      expect(wrongToken.report.checks.rateLimitStore).toEqual({
        status: 'down',
        detail: 'unreachable',
      });
    } finally {
      await bridge.close();
    }
    const down = await checkHealth({
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
      UPSTASH_REDIS_REST_TOKEN: 'x',
    });
    expect(down).toMatchObject({
      httpStatus: 200,
      report: {
        status: 'degraded',
        checks: { database: { status: 'ok' }, rateLimitStore: { status: 'down' } },
      },
    });
  });
});
