import 'server-only';
import { sql } from 'drizzle-orm';
import { getDatabase } from '@/db/runtime';
import { env, type Env } from '@/lib/env';

export type CheckResult = { status: 'ok' | 'down'; latencyMs?: number; detail?: string };
export type HealthReport = { status: 'ok' | 'degraded'; checks: Record<string, CheckResult> };

async function timed(check: () => Promise<unknown>, timeoutMs = 2000): Promise<CheckResult> {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('timed out')), timeoutMs).unref(),
      ),
    ]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // The reason stays in the server log; the answer says only that the check failed.
    return {
      status: 'down',
      detail: error instanceof Error && error.message === 'timed out' ? 'timed out' : 'unreachable',
    };
  }
}

/** Database is essential (503 when down); the rate-limit store degrades the service. */
export async function checkHealth(
  config: Pick<Env, 'UPSTASH_REDIS_REST_URL' | 'UPSTASH_REDIS_REST_TOKEN'> = env(),
): Promise<{ report: HealthReport; httpStatus: 200 | 503 }> {
  const checks: Record<string, CheckResult> = {
    database: await timed(async () => (await getDatabase()).db.execute(sql`select 1`)),
  };
  const { UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN } = config;
  if (UPSTASH_REDIS_REST_URL) {
    checks.rateLimitStore = await timed(async () => {
      const response = await fetch(UPSTASH_REDIS_REST_URL, {
        method: 'POST',
        headers: { authorization: `Bearer ${UPSTASH_REDIS_REST_TOKEN}` },
        body: JSON.stringify(['PING']),
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
    });
  }
  const databaseDown = checks.database?.status !== 'ok';
  const anyDown = Object.values(checks).some((check) => check.status !== 'ok');
  return {
    report: { status: anyDown ? 'degraded' : 'ok', checks },
    httpStatus: databaseDown ? 503 : 200,
  };
}
