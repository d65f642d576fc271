import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as meteringJobRoute from '@/app/api/platform/v1/jobs/metering/route';
import type { DatabaseHandle } from '@/db/client';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { usageRecorder } from '@/lib/metering';

// lib/env reads the environment once, on first use, so the token must be set before imports run.
const TOKEN = vi.hoisted(() => {
  const token = `jobs-${'x'.repeat(40)}`;
  process.env.PLATFORM_API_TOKEN = token;
  return token;
});

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

function run(token?: string) {
  return meteringJobRoute.POST(
    new Request('http://localhost:3000/api/platform/v1/jobs/metering', {
      method: 'POST',
      headers: {
        host: 'localhost:3000',
        'x-request-id': randomUUID(),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    }),
    { params: Promise.resolve({}) },
  );
}

describe('POST /api/platform/v1/jobs/metering', () => {
  it('runs the metering jobs for a scheduler holding the platform token', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    usageRecorder().record(tenant.id, 'api_calls', 3, 'listDocuments');
    const response = await run(TOKEN);
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown>;
    expect(report).toMatchObject({
      flushed: expect.any(Number),
      gauges: { sampled: expect.any(Number) },
      notices: { notices: expect.any(Number), emails: expect.any(Number) },
    });
    expect(report.flushed).toBeGreaterThanOrEqual(1);
    // Another suite's run may hold the job's lock on a shared server: then it answers busy.
    const rollups = report.rollups as { ran: boolean; watermark?: string };
    if (rollups.ran) expect(rollups.watermark).toMatch(/^\d{4}-\d\d-\d\dT/);
    else expect(rollups).toEqual({ ran: false, reason: 'busy' });
  });

  it('refuses a caller without the token', async () => {
    expect((await run()).status).toBe(401);
    expect((await run('wrong')).status).toBe(401);
  });
});
