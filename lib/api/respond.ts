import 'server-only';
import { AppError, isAppError, type ErrorCode, type FieldErrors } from '@/lib/errors';
import { log } from '@/lib/log';

export type ApiErrorBody = { error: { code: ErrorCode; message: string; details?: FieldErrors } };

const NO_STORE = { 'cache-control': 'no-store' };

/** A JSON answer whose Content-Length is set, so metering can count its bytes. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status, headers: { ...NO_STORE, ...headers } });
  const text = JSON.stringify(body);
  return new Response(text, {
    status,
    headers: {
      ...NO_STORE,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    },
  });
}

/** The bytes of an answer's body as sent (its Content-Length; 0 without a body). */
export function bodyBytes(response: Response): number {
  return Number(response.headers.get('content-length') ?? 0);
}

/**
 * The one error shape of both APIs (DESIGN.md). Unknown errors are logged and answered 500
 * without detail. `extraHeaders` go on the answer too (e.g. the tenant API's `RateLimit-*`).
 */
export function errorResponse(
  error: unknown,
  context: Record<string, unknown> = {},
  extraHeaders: Record<string, string> = {},
): Response {
  const appError = isAppError(error)
    ? error
    : new AppError(
        'internal',
        'Something went wrong. Try again; if it keeps failing, contact support.',
      );
  if (!isAppError(error)) log.error({ err: error, ...context }, 'api request failed');
  const body: ApiErrorBody = { error: { code: appError.code, message: appError.message } };
  if (appError.fieldErrors) body.error.details = appError.fieldErrors;
  const headers: Record<string, string> = { ...extraHeaders };
  if (appError.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(appError.retryAfterSeconds)));
  if (appError.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  return json(body, appError.status, headers);
}
