import 'server-only';
import type { z } from 'zod';
import type { RequestMeta } from '@/lib/audit';
import { getCurrentTenant, getCurrentViewer, getRequestContext } from './context';
import {
  runPublicAction,
  runTenantAction,
  type AfterCommit,
  type ResolvedRequest,
  type TenantActionDefinition,
  type TenantActionHandler,
} from './pipeline';
import type { ActionResult, ActionState } from './result';

export type { ActionResult, ActionState } from './result';
export type { TenantActionContext } from './pipeline';
export { echoValues, fieldErrorsOf } from './pipeline';
export { getCurrentTenant, getCurrentViewer, getRequestContext, requireMember } from './context';

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
