// GET /api/health — liveness and readiness: 200 when the database answers, 503 when it does not.
import { checkHealth } from '@/lib/health';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const { report, httpStatus } = await checkHealth();
  return Response.json(report, { status: httpStatus, headers: { 'cache-control': 'no-store' } });
}
