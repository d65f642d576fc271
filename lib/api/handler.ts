import 'server-only';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { withTenant, type Transaction } from '@/db/scope';
import { reportSecurityEvent, type ActivityRequest } from '@/lib/activity';
import { authenticateApiKey, hasScope, type ApiScope, type AuthenticatedKey } from '@/lib/api-keys';
import type { Actor, RequestMeta } from '@/lib/audit';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { INTERNAL_HEADERS } from '@/lib/host';
import { assertWithinAllowances, recordUsage } from '@/lib/metering';
import { isFeatureEnabled } from '@/lib/plans';
import { clientIp } from '@/lib/request-meta';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import { parseInput } from '@/lib/actions/pipeline';
import type { ApiOperation } from './contract';
import {
  consumeApiRateLimit,
  rateLimitHeaders,
  shouldReportRateLimited,
  type ApiRateLimitOutcome,
  type ApiWindowResult,
} from './rate-limit';
import { bodyBytes, errorResponse, json } from './respond';

const MAX_BODY_BYTES = 1024 * 1024;

type RouteContext = { params: Promise<Record<string, string | string[]>> };
export type RouteHandler = ((request: Request, context: RouteContext) => Promise<Response>) & {
  readonly api: 'tenant' | 'platform';
  readonly operation: ApiOperation;
};

type Parsed<O extends ApiOperation> = {
  params: O extends { params: infer P extends z.ZodType } ? z.output<P> : Record<string, never>;
  query: O extends { query: infer Q extends z.ZodType } ? z.output<Q> : Record<string, never>;
  body: O extends { body: infer B extends z.ZodType } ? z.output<B> : undefined;
};

export type ApiResult = { status?: number; body?: unknown };

function requestMeta(request: Request): ActivityRequest {
  return {
    requestId: request.headers.get(INTERNAL_HEADERS.requestId) ?? randomUUID(),
    ip: clientIp(request.headers),
    userAgent: request.headers.get('user-agent'),
  };
}

function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}

const tooLarge = () =>
  new AppError('invalid_input', 'The request body is too large (1 MiB at most).');

/**
 * The body as text, read to the end before any transaction opens (a slow upload must not hold
 * a database connection), and never more than 1 MiB of it, whatever Content-Length says.
 */
async function readBodyText(request: Request): Promise<string> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw new AppError('invalid_input', 'Send a JSON body.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_input', 'The request body is not valid JSON.');
  }
}

function parsePathParams(schema: z.ZodObject, raw: unknown): unknown {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('not_found', 'Not found.');
  return parsed.data;
}

/** Validates path, query and the already-read body against the operation's schemas. */
async function parseRequest<O extends ApiOperation>(
  operation: O,
  request: Request,
  context: RouteContext,
  bodyText: string,
): Promise<Parsed<O>> {
  const rawParams = await context.params;
  // A path that names nothing valid is a 404, like an id that does not exist.
  const params = operation.params ? parsePathParams(operation.params, rawParams) : {};
  const query = operation.query
    ? parseInput(operation.query, Object.fromEntries(new URL(request.url).searchParams))
    : {};
  const body = operation.body ? parseInput(operation.body, parseJson(bodyText)) : undefined;
  return { params, query, body } as Parsed<O>;
}

function respondWith(
  operation: ApiOperation,
  result: ApiResult,
  headers: Record<string, string> = {},
): Response {
  return json(result.body ?? null, result.status ?? operation.success.status, headers);
}

/** The tenant API allowances every request uses, refused when their policy is `block`. */
const API_ALLOWANCES = [
  'api_calls_per_month',
  'compute_ms_per_month',
  'egress_bytes_per_month',
] as const;

/**
 * Meters one served request of an authenticated key that passed the limits: one API call,
 * its server time and its response bytes, by operation. Buffered, so it costs no I/O here.
 */
function meterApiRequest(
  tenantId: string,
  operation: ApiOperation,
  started: number,
  bytes: number,
): void {
  recordUsage(tenantId, 'api_calls', 1, operation.operationId);
  recordUsage(tenantId, 'compute_ms', performance.now() - started, operation.operationId);
  recordUsage(tenantId, 'egress_bytes', bytes, operation.operationId);
}

export type TenantRouteContext<O extends ApiOperation> = Parsed<O> & {
  tx: Transaction;
  tenant: TenantContextDTO;
  key: AuthenticatedKey;
  actor: Actor;
  request: ActivityRequest;
};

/** `/documents/{id}` → `document`: what an id in the operation's path names. */
function pathResource(path: string): string {
  const segment = /\/([a-z_-]+)\/\{id\}$/.exec(path)?.[1];
  return segment ? segment.replace(/s$/, '') : 'resource';
}

/** What the route saw before it refused, for the security log. */
type Refusal = {
  key?: AuthenticatedKey;
  scopeDenied?: boolean;
  id?: string;
  rateLimited?: ApiWindowResult;
};

/**
 * Records the security event a refused request leaves, after its transaction rolled back: a key
 * without the operation's scope (`permission.denied`), a well-formed id this tenant does not
 * have (`request.unknown_id`), or a key over a rate limit (`api.rate_limited`, at most once per
 * key and minute). An unknown id answers 404 like any missing id and looks nothing up outside
 * the tenant: it may be a stale id or another workspace's, and the log says which key tried it,
 * how often.
 */
async function recordRefusal(
  operation: ApiOperation,
  tenantId: string,
  error: unknown,
  seen: Refusal,
  request: ActivityRequest,
): Promise<void> {
  if (!seen.key) return;
  const common = {
    tenantId,
    actor: { type: 'api_key', id: seen.key.id } as const,
    channel: 'api' as const,
    request,
  };
  if (seen.rateLimited) {
    const { window, limit, retryAfterSeconds } = seen.rateLimited;
    if (await shouldReportRateLimited({ tenantId, keyId: seen.key.id })) {
      await reportSecurityEvent({
        ...common,
        action: 'api.rate_limited',
        metadata: {
          window,
          limit,
          windowSeconds: 60,
          retryAfterSeconds,
          operation: operation.operationId,
        },
      });
    }
  } else if (seen.scopeDenied) {
    await reportSecurityEvent({
      ...common,
      action: 'permission.denied',
      metadata: { scope: operation.scope, operation: operation.operationId },
    });
  } else if (seen.id && error instanceof AppError && error.code === 'not_found') {
    await reportSecurityEvent({
      ...common,
      action: 'request.unknown_id',
      target: { type: pathResource(operation.path), id: seen.id },
      metadata: { operation: operation.operationId },
    });
  }
}

/** The refusal for a request the limiter did not allow; notes the window for the security log. */
function rateLimitError(outcome: ApiRateLimitOutcome, seen: Refusal): AppError {
  const retryAfterSeconds = outcome.retryAfterSeconds;
  if (outcome.storeUnavailable || !outcome.binding) {
    return new AppError(
      'unavailable',
      'The API cannot check its rate limits right now. Try again shortly.',
      { retryAfterSeconds },
    );
  }
  seen.rateLimited = outcome.binding;
  const { window, limit } = outcome.binding;
  const whose = window === 'key' ? 'this API key' : 'this workspace';
  return new AppError(
    'rate_limited',
    `Too many requests for ${whose}: ${limit} per minute. Retry after ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  );
}

/**
 * A tenant REST API route. In order: the tenant from the host (middleware's header; unknown
 * or archived → 404), the bearer API key looked up inside that tenant's transaction (so a
 * key of another tenant is just unknown → 401), the tenant's status (suspended → 403
 * tenant_suspended), the api_access feature (→ 403 feature_disabled), the rate limits per key
 * and per tenant (→ 429 rate_limited; store down and API_RATE_LIMIT_FAIL_MODE=closed → 503
 * unavailable), the operation's scope (→ 403 forbidden), then the input, then the handler in the
 * same tenant transaction. Once the limits are counted, every answer carries `RateLimit-*`.
 *
 * The limits are counted after authentication, so requests with unknown keys cannot spend a
 * workspace's budget, and inside the transaction that authenticated the key: no extra database
 * round trip, at the price of holding the connection for the store's round trips (bounded by its
 * timeout).
 */
export function tenantRoute<O extends ApiOperation & { scope: ApiScope }>(
  operation: O,
  handler: (ctx: TenantRouteContext<O>) => Promise<ApiResult>,
): RouteHandler {
  const route = async (request: Request, context: RouteContext): Promise<Response> => {
    const started = performance.now();
    const meta = requestMeta(request);
    let tenantId: string | undefined;
    let limited: ApiRateLimitOutcome | undefined;
    let metered: { tenantId: string } | undefined;
    const seen: Refusal = {};
    const meter = (response: Response) => {
      if (metered) meterApiRequest(metered.tenantId, operation, started, bodyBytes(response));
      return response;
    };
    try {
      const slug = request.headers.get(INTERNAL_HEADERS.tenantSlug);
      const tenant = slug ? await resolveTenantBySlug(slug) : null;
      if (!tenant) throw new AppError('not_found', 'Not found.');
      tenantId = tenant.id;
      const token = bearerToken(request);
      if (!token)
        throw new AppError('unauthenticated', 'Send an API key: Authorization: Bearer <key>.');
      const bodyText = operation.body ? await readBodyText(request) : '';
      const result = await withTenant(tenant.id, async (tx) => {
        const key = await authenticateApiKey(tx, { tenantId: tenant.id, key: token });
        if (!key)
          throw new AppError(
            'unauthenticated',
            'The API key is not valid for this workspace, or it was revoked or has expired.',
          );
        seen.key = key;
        if (tenant.status === 'suspended')
          throw new AppError('tenant_suspended', 'This workspace is suspended.');
        if (!isFeatureEnabled(tenant, 'api_access')) {
          throw new AppError('feature_disabled', 'The API is not part of this workspace’s plan.');
        }
        limited = await consumeApiRateLimit({
          tenant,
          keyId: key.id,
          failMode: env().API_RATE_LIMIT_FAIL_MODE,
        });
        if (!limited.allowed) throw rateLimitError(limited, seen);
        await assertWithinAllowances(tx, tenant.id, API_ALLOWANCES);
        metered = { tenantId: tenant.id };
        if (!hasScope(key, operation.scope)) {
          seen.scopeDenied = true;
          throw new AppError('forbidden', `This API key lacks the ${operation.scope} scope.`);
        }
        const parsed = await parseRequest(operation, request, context, bodyText);
        const params: Record<string, unknown> = parsed.params;
        if (typeof params.id === 'string') seen.id = params.id;
        return handler({
          ...parsed,
          tx,
          tenant,
          key,
          actor: { type: 'api_key', id: key.id },
          request: meta,
        });
      });
      return meter(respondWith(operation, result, rateLimitHeaders(limited)));
    } catch (error) {
      if (tenantId) await recordRefusal(operation, tenantId, error, seen, meta);
      return meter(
        errorResponse(
          error,
          { operation: operation.operationId, requestId: meta.requestId, tenantId },
          rateLimitHeaders(limited),
        ),
      );
    }
  };
  return Object.assign(route, { api: 'tenant' as const, operation });
}

export type PlatformRouteContext<O extends ApiOperation> = Parsed<O> & {
  actor: Actor;
  request: RequestMeta;
};

function tokenMatches(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A platform REST API route (root domain only): the bearer must equal PLATFORM_API_TOKEN.
 * The handler opens its own platform transaction(s); it never runs for a tenant host.
 */
export function platformRoute<O extends ApiOperation>(
  operation: O,
  handler: (ctx: PlatformRouteContext<O>) => Promise<ApiResult>,
): RouteHandler {
  const route = async (request: Request, context: RouteContext): Promise<Response> => {
    const meta = requestMeta(request);
    try {
      if (request.headers.get(INTERNAL_HEADERS.tenantSlug))
        throw new AppError('not_found', 'Not found.');
      const expected = env().PLATFORM_API_TOKEN;
      if (!expected)
        throw new AppError(
          'unavailable',
          'The platform API is not enabled: set PLATFORM_API_TOKEN.',
        );
      const token = bearerToken(request);
      if (!token || !tokenMatches(token, expected)) {
        throw new AppError(
          'unauthenticated',
          'Send the platform API token: Authorization: Bearer <token>.',
        );
      }
      const bodyText = operation.body ? await readBodyText(request) : '';
      const parsed = await parseRequest(operation, request, context, bodyText);
      const result = await handler({
        ...parsed,
        actor: { type: 'platform', id: null },
        request: meta,
      });
      return respondWith(operation, result);
    } catch (error) {
      return errorResponse(error, { operation: operation.operationId, requestId: meta.requestId });
    }
  };
  return Object.assign(route, { api: 'platform' as const, operation });
}
