import type { z } from 'zod';
import type { ApiScope } from '@/lib/api-keys/scopes';
import type { ErrorCode } from '@/lib/errors';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

/**
 * One operation of a REST API: what it accepts and answers. The route handler validates with
 * these schemas and the OpenAPI document is generated from them, so the two cannot drift.
 */
export type ApiOperation<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
> = {
  method: HttpMethod;
  /** OpenAPI path relative to the API's base, e.g. `/documents/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Tenant API only: the API-key scope the operation needs. */
  scope?: ApiScope;
  params?: P;
  query?: Q;
  body?: B;
  /** A request body that validates against `body` (checked by a test). */
  bodyExample?: z.input<B>;
  success: { status: 200 | 201 | 204; description: string; schema?: z.ZodType; example?: unknown };
  /** The error codes this operation may answer with, besides those every operation has. */
  errors: readonly ErrorCode[];
};

/** Keeps the operation's exact type, so handlers get typed params, query and body. */
export function defineOperation<const O extends ApiOperation<z.ZodObject, z.ZodObject, z.ZodType>>(
  operation: O,
): O {
  return operation;
}
