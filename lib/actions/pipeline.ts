import 'server-only';
import { type z } from 'zod';
import { withPlatform, withTenant, type Transaction } from '@/db/scope';
import { reportSecurityEvent } from '@/lib/activity';
import type { Actor, RequestMeta } from '@/lib/audit';
import type { ViewerDTO } from '@/lib/auth';
import { recordUsage } from '@/lib/metering';
import { AppError, isAppError } from '@/lib/errors';
import { log } from '@/lib/log';
import type { OperatorDTO } from '@/lib/operators';
import { features, isFeatureEnabled, type Feature } from '@/lib/plans';
import { hasPermission, type Permission } from '@/lib/rbac';
import type { TenantContextDTO } from '@/lib/tenancy';
import type { ActionFailure, ActionResult } from './result';

/** What the wrapper learns about a request before running an action (from Next in production). */
export type ResolvedRequest = {
  request: {
    requestId: string;
    ip: string | null;
    tenantSlug: string | null;
    userAgent?: string | null;
  };
  tenant: () => Promise<TenantContextDTO | null>;
  viewer: () => Promise<ViewerDTO | null>;
};

export type TenantActionContext = {
  tenant: TenantContextDTO;
  viewer: ViewerDTO;
  actor: Actor;
  request: RequestMeta;
};

export type TenantActionDefinition<S extends z.ZodType> = {
  /** Names the action in logs, e.g. `document.create`. */
  name: string;
  input: S;
  /**
   * The permission the action needs, or `'self'` for an action on the member's own account
   * (their own sessions), which every signed-in member may take and which must touch nothing else.
   */
  permission: Permission | 'self';
  /** A plan feature the action needs; refused with `feature_disabled` when the tenant lacks it. */
  feature?: Feature;
};

export type TenantActionHandler<S extends z.ZodType, T> = (args: {
  tx: Transaction;
  ctx: TenantActionContext;
  input: z.output<S>;
}) => Promise<T>;

/** Runs after commit, outside the transaction: revalidate, redirect. */
export type AfterCommit<T> = (data: T) => void | Promise<void>;

/** Form fields as an object; a name sent more than once (checkboxes) becomes an array. */
export function formToObject(
  formData: FormData,
): Record<string, FormDataEntryValue | FormDataEntryValue[]> {
  const values: Record<string, FormDataEntryValue | FormDataEntryValue[]> = {};
  for (const key of new Set(formData.keys())) {
    if (key.startsWith('$ACTION')) continue;
    const all = formData.getAll(key);
    values[key] = all.length === 1 ? all[0]! : all;
  }
  return values;
}

/** The submitted text fields a failed form shows again; secrets are never sent back. */
export function echoValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (
      typeof value === 'string' &&
      !key.startsWith('$ACTION') &&
      !/password|secret|token/i.test(key)
    )
      values[key] = value;
  }
  return values;
}

export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || 'form';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('invalid_input', 'Check the highlighted fields.', {
      fieldErrors: fieldErrorsOf(parsed.error),
    });
  }
  return parsed.data;
}

/** Maps any error to a result a form can show; unknown errors are logged and answered generically. */
export function toFailure(error: unknown, context: Record<string, unknown>): ActionFailure {
  if (isAppError(error))
    return { ok: false, code: error.code, message: error.message, fieldErrors: error.fieldErrors };
  log.error({ err: error, ...context }, 'action failed');
  return {
    ok: false,
    code: 'internal',
    message: 'Something went wrong. Try again; if it keeps failing, contact support.',
  };
}

/**
 * The steps every tenant action takes, in order: validate the input, resolve the tenant from
 * the host, authenticate the member, check the declared permission and plan feature, run the
 * handler in a tenant transaction (the handler records its audit event in it), then `afterCommit`.
 */
export async function runTenantAction<S extends z.ZodType, T>(
  resolved: ResolvedRequest,
  definition: TenantActionDefinition<S>,
  handler: TenantActionHandler<S, T>,
  formData: FormData,
  afterCommit?: AfterCommit<T>,
): Promise<ActionResult<T>> {
  const { request } = resolved;
  const started = performance.now();
  let data: T;
  let tenantId: string | undefined;
  try {
    const input = parseInput(definition.input, formToObject(formData));
    const tenant = await resolved.tenant();
    if (!tenant) throw new AppError('not_found', 'This workspace does not exist.');
    tenantId = tenant.id;
    if (tenant.status === 'suspended')
      throw new AppError('tenant_suspended', 'This workspace is suspended.');
    const viewer = await resolved.viewer();
    if (!viewer) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
    if (definition.permission !== 'self' && !hasPermission(viewer, definition.permission)) {
      await reportSecurityEvent({
        tenantId: tenant.id,
        actor: { type: 'user', id: viewer.userId },
        action: 'permission.denied',
        channel: 'web',
        metadata: { permission: definition.permission, operation: definition.name },
        request,
      });
      throw new AppError('forbidden', 'You do not have permission to do that.');
    }
    if (definition.feature && !isFeatureEnabled(tenant, definition.feature)) {
      throw new AppError(
        'feature_disabled',
        `Not part of this workspace’s plan: ${features[definition.feature]}.`,
      );
    }
    const ctx: TenantActionContext = {
      tenant,
      viewer,
      actor: { type: 'user', id: viewer.userId },
      request: { requestId: request.requestId, ip: request.ip },
    };
    try {
      data = await withTenant(tenant.id, (tx) => handler({ tx, ctx, input }));
    } finally {
      // The server time of an authorised action is the tenant's compute (buffered, no I/O here).
      recordUsage(tenant.id, 'compute_ms', performance.now() - started, definition.name);
    }
  } catch (error) {
    return {
      ...toFailure(error, { action: definition.name, requestId: request.requestId, tenantId }),
      values: echoValues(formData),
    };
  }
  // Outside the try: redirect() works by throwing, and must not be reported as a failure.
  if (afterCommit) await afterCommit(data);
  return { ok: true, data };
}

/** Root-domain actions that need no session (sign-up): validate, refuse tenant hosts, map errors. */
export async function runPublicAction<S extends z.ZodType, T>(
  resolved: Pick<ResolvedRequest, 'request'>,
  definition: { name: string; input: S },
  handler: (args: { input: z.output<S>; request: RequestMeta }) => Promise<T>,
  formData: FormData,
  afterCommit?: AfterCommit<T>,
): Promise<ActionResult<T>> {
  const { request } = resolved;
  let data: T;
  try {
    if (request.tenantSlug) throw new AppError('not_found', 'Not available here.');
    const input = parseInput(definition.input, formToObject(formData));
    data = await handler({ input, request: { requestId: request.requestId, ip: request.ip } });
  } catch (error) {
    return {
      ...toFailure(error, { action: definition.name, requestId: request.requestId }),
      values: echoValues(formData),
    };
  }
  if (afterCommit) await afterCommit(data);
  return { ok: true, data };
}

/** What a platform action learns about its request: no tenant, but perhaps an operator. */
export type PlatformResolvedRequest = Pick<ResolvedRequest, 'request'> & {
  operator: () => Promise<OperatorDTO | null>;
};

export type PlatformActionContext = {
  operator: OperatorDTO;
  actor: Actor;
  request: RequestMeta;
};

export type PlatformActionDefinition<S extends z.ZodType> = {
  /** Names the action in logs, e.g. `tenant.change_status`. */
  name: string;
  input: S;
};

export type PlatformActionHandler<S extends z.ZodType, T> = (args: {
  tx: Transaction;
  ctx: PlatformActionContext;
  input: z.output<S>;
}) => Promise<T>;

/**
 * The steps every operator-console action takes, in order: refuse tenant hosts (the console
 * does not exist there: not_found), validate the input, authenticate the operator (a live
 * platform session), run the handler in one platform transaction (the domain function audits
 * in it, as actor `operator`), then `afterCommit`.
 */
export async function runPlatformAction<S extends z.ZodType, T>(
  resolved: PlatformResolvedRequest,
  definition: PlatformActionDefinition<S>,
  handler: PlatformActionHandler<S, T>,
  formData: FormData,
  afterCommit?: AfterCommit<T>,
): Promise<ActionResult<T>> {
  const { request } = resolved;
  let data: T;
  let userId: string | undefined;
  try {
    if (request.tenantSlug) throw new AppError('not_found', 'Not available here.');
    const input = parseInput(definition.input, formToObject(formData));
    const operator = await resolved.operator();
    if (!operator) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
    userId = operator.userId;
    const ctx: PlatformActionContext = {
      operator,
      actor: { type: 'operator', id: operator.userId },
      request: { requestId: request.requestId, ip: request.ip },
    };
    data = await withPlatform((tx) => handler({ tx, ctx, input }));
  } catch (error) {
    return {
      ...toFailure(error, { action: definition.name, requestId: request.requestId, userId }),
      values: echoValues(formData),
    };
  }
  // Outside the try: redirect() works by throwing, and must not be reported as a failure.
  if (afterCommit) await afterCommit(data);
  return { ok: true, data };
}
