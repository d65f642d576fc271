import 'server-only';
import type { z } from 'zod';
import type { RequestMeta } from '@/lib/audit';
import {
  getCurrentOperator,
  getCurrentPendingSignIn,
  getCurrentTenant,
  getCurrentViewer,
  getRequestContext,
} from './context';
import {
  runTenantDownload,
  type TenantDownloadContext,
  type TenantDownloadDefinition,
} from './download';
import {
  runPendingSignInAction,
  type PendingSignInActionDefinition,
  type PendingSignInActionHandler,
} from './pending-sign-in';
import {
  runPlatformAction,
  runPublicAction,
  runTenantAction,
  type AfterCommit,
  type PlatformActionDefinition,
  type PlatformActionHandler,
  type ResolvedRequest,
  type TenantActionDefinition,
  type TenantActionHandler,
} from './pipeline';
import type { ActionResult, ActionState } from './result';

export type { ActionResult, ActionState } from './result';
export type { PlatformActionContext, PlatformActionHandler, TenantActionContext } from './pipeline';
export type { PendingSignInActionContext } from './pending-sign-in';
export { echoValues, fieldErrorsOf } from './pipeline';
export { fileResponse, queryOf, type TenantDownloadContext } from './download';
export {
  getCurrentOperator,
  getCurrentPendingSignIn,
  getCurrentTenant,
  getCurrentViewer,
  getRequestContext,
  requireMember,
  requireOperator,
  requirePendingSignIn,
} from './context';

async function resolveFromNext(): Promise<ResolvedRequest> {
  return { request: await getRequestContext(), tenant: getCurrentTenant, viewer: getCurrentViewer };
}

/**
 * The one way to write a tenant server action (see runTenantAction for the steps). Every
 * server action is a public endpoint: nothing may be left to the page that renders the form.
 */
export function tenantAction<S extends z.ZodType, T>(
  definition: TenantActionDefinition<S>,
  handler: TenantActionHandler<S, T>,
  afterCommit?: AfterCommit<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  return async (_previous, formData) =>
    runTenantAction(await resolveFromNext(), definition, handler, formData, afterCommit);
}

/** Root-domain actions that need no session (sign-up). */
export function publicAction<S extends z.ZodType, T>(
  definition: { name: string; input: S },
  handler: (args: { input: z.output<S>; request: RequestMeta }) => Promise<T>,
  afterCommit?: AfterCommit<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  return async (_previous, formData) =>
    runPublicAction(await resolveFromNext(), definition, handler, formData, afterCommit);
}

/**
 * The one way to write a second-step sign-in action (see runPendingSignInAction): the caller has
 * no session yet, only a half sign-in owing a second factor, which this resolves from the cookie.
 */
export function pendingSignInAction<S extends z.ZodType, T>(
  definition: PendingSignInActionDefinition<S>,
  handler: PendingSignInActionHandler<S, T>,
  afterCommit?: AfterCommit<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  return async (_previous, formData) =>
    runPendingSignInAction(
      {
        request: await getRequestContext(),
        tenant: getCurrentTenant,
        pending: getCurrentPendingSignIn,
      },
      definition,
      handler,
      formData,
      afterCommit,
    );
}

/**
 * The one way to write an operator-console action (root domain; see runPlatformAction): no
 * tenant host, a live operator session, one platform transaction, errors mapped to a result.
 */
export function platformAction<S extends z.ZodType, T>(
  definition: PlatformActionDefinition<S>,
  handler: PlatformActionHandler<S, T>,
  afterCommit?: AfterCommit<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  return async (_previous, formData) =>
    runPlatformAction(
      { request: await getRequestContext(), operator: getCurrentOperator },
      definition,
      handler,
      formData,
      afterCommit,
    );
}

/**
 * The one way to write a tenant download route (a GET serving a file of tenant data; see
 * runTenantDownload for the checks). The pages walker accepts it as the route's guard.
 */
export function tenantDownload(
  definition: TenantDownloadDefinition,
  work: (ctx: TenantDownloadContext) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => runTenantDownload(await resolveFromNext(), request, definition, work);
}
