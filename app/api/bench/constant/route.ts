// GET /api/bench/constant — a constant JSON page, the baseline of `npm run bench`'s tenant API throughput.
import { env } from '@/lib/env';

/**
 * What a route costs with no work in it: the same middleware, server and response shape as
 * GET /api/v1/documents (`{ data, nextCursor }`, no-store), but no authentication and no database.
 * It answers only when BENCH_ROUTES is set (the bench starts its own server with it); otherwise it
 * is the API's ordinary 404.
 */
export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store' };

export function GET(): Response {
  if (!env().BENCH_ROUTES) {
    return Response.json(
      { error: { code: 'not_found', message: 'Not found.' } },
      { status: 404, headers: NO_STORE },
    );
  }
  return Response.json({ data: [], nextCursor: null }, { headers: NO_STORE });
}
