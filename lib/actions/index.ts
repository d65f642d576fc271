import 'server-only';
import { z } from 'zod';
import { withTenant, type Transaction } from '@/db/scope';
import type { Actor, RequestMeta } from '@/lib/audit';
import type { ViewerDTO } from '@/lib/auth';
import { AppError, isAppError } from '@/lib/errors';
import { log } from '@/lib/log';
import { roleHasPermission, type Permission } from '@/lib/rbac';
import type { TenantContextDTO } from '@/lib/tenancy';
import { getCurrentTenant, getCurrentViewer, getRequestContext } from './context';
import type { ActionResult, ActionState } from './result';

export type { ActionResult, ActionState } from './result';
export { getCurrentTenant, getCurrentViewer, getRequestContext } from './context';

export type TenantActionContext = {
  tenant: TenantContextDTO;
  viewer: ViewerDTO;
  actor: Actor;
  request: RequestMeta;
};

type TenantActionDefinition<S extends z.ZodType> = {
  /** Names the action in logs, e.g. `document.create`. */
  name: string;
  input: S;
  permission: Permission;
};

/** Runs after commit, outside the transaction: revalidate, redirect. */
type AfterCommit<T> = (data: T) => void | Promise<void>;

function formToObject(formData: FormData): Record<string, FormDataEntryValue> {
  const values: Record<string, FormDataEntryValue> = {};
  for (const [key, value] of formData) if (!key.startsWith('$ACTION')) values[key] = value;
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
    throw new AppError('invalid_input', 'Check the highlighted fields.', { fieldErrors: fieldErrorsOf(parsed.error) });
  }
  return parsed.data;
}

/** Maps any error to a result a form can show; unknown errors are logged and answered generically. */
export function toFailure(error: unknown, context: Record<string, unknown>): ActionResult<never> {
  if (isAppError(error)) return { ok: false, code: error.code, message: error.message, fieldErrors: error.fieldErrors };
  log.error({ err: error, ...context }, 'action failed');
  return { ok: false, code: 'internal', message: 'Something went wrong. Try again; if it keeps failing, contact support.' };
}

/**
 * The one way to write a tenant server action. In order: validate the input, resolve the
 * tenant from the host, authenticate the member, check the declared permission, run the
 * handler in a tenant transaction (the handler records its audit event in it), then run
 * `afterCommit`. Every server action is a public endpoint: nothing here may be
 * left to the page that renders the form.
 */
export function tenantAction<S extends z.ZodType, T>(
  definition: TenantActionDefinition<S>,
  handler: (args: { tx: Transaction; ctx: TenantActionContext; input: z.output<S> }) => Promise<T>,
  afterCommit?: AfterCommit<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  return async (_previous, formData) => {
    const request = await getRequestContext();
    let data: T;
    let tenantId: string | undefined;
    try {
      const input = parseInput(definition.input, formToObject(formData));
      const tenant = await getCurrentTenant();
      if (!tenant) throw new AppError('not_found', 'This workspace does not exist.');
      tenantId = tenant.id;
      if (tenant.status === 'suspended') throw new AppError('tenant_suspended', 'This workspace is suspended.');
      const viewer = await getCurrentViewer();
      if (!viewer) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
      if (!roleHasPermission(viewer.role, definition.permission)) {
        throw new AppError('forbidden', 'You do not have permission to do that.');
      }
      const ctx: TenantActionContext = {
        tenant,
        viewer,
        actor: { type: 'user', id: viewer.userId },
        request: { requestId: request.requestId, ip: request.ip },
      };
      data = await withTenant(tenant.id, (tx) => handler({ tx, ctx, input }));
    } catch (error) {
      return toFailure(error, { action: definition.name, requestId: request.requestId, tenantId });
    }
    // Outside the try: redirect() works by throwing, and must not be reported as a failure.
    if (afterCommit) await afterCommit(data);
    return { ok: true, data };
  };
}

/**
 * Actions on the root domain that need no session (sign-up). Validates, refuses tenant
 * hosts, maps errors like tenantAction.
 */
export function publicAction<S extends z.ZodType, T>(
  definition: { name: string; input: S },
  handler: (args: { input: z.output<S>; request: RequestMeta }) => Promise<T>,
  afterCommit?: AfterCommit<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  return async (_previous, formData) => {
    const request = await getRequestContext();
    let data: T;
    try {
      if (request.tenantSlug) throw new AppError('not_found', 'Not available here.');
      const input = parseInput(definition.input, formToObject(formData));
      data = await handler({ input, request: { requestId: request.requestId, ip: request.ip } });
    } catch (error) {
      return toFailure(error, { action: definition.name, requestId: request.requestId });
    }
    if (afterCommit) await afterCommit(data);
    return { ok: true, data };
  };
}
