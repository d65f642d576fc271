import 'server-only';
import type { z } from 'zod';
import type { SessionPendingStep } from '@/db/schema';
import type { Actor, RequestMeta } from '@/lib/audit';
import type { PendingSignInDTO } from '@/lib/auth';
import { AppError } from '@/lib/errors';
import type { TenantContextDTO } from '@/lib/tenancy';
import {
  echoValues,
  formToObject,
  parseInput,
  toFailure,
  type AfterCommit,
  type ResolvedRequest,
} from './pipeline';
import type { ActionResult } from './result';

/** What the wrapper learns about a second-step request: its tenant and its half sign-in. */
export type PendingSignInResolvedRequest = Pick<ResolvedRequest, 'request' | 'tenant'> & {
  pending: () => Promise<PendingSignInDTO | null>;
};

export type PendingSignInActionDefinition<S extends z.ZodType> = {
  /** Names the action in logs, e.g. `sign_in.verify_code`. */
  name: string;
  input: S;
  /** The steps the action completes or abandons; a session owing another step is refused. */
  steps: readonly SessionPendingStep[];
};

export type PendingSignInActionContext = {
  tenant: TenantContextDTO;
  pending: PendingSignInDTO;
  actor: Actor;
  request: RequestMeta;
};

export type PendingSignInActionHandler<S extends z.ZodType, T> = (args: {
  ctx: PendingSignInActionContext;
  input: z.output<S>;
}) => Promise<T>;

/**
 * The steps every second-step sign-in action takes (verify a code, enrol a factor, give up), in
 * order: validate the input, resolve the tenant from the host, resolve the half sign-in behind
 * the cookie (owing one of the declared steps; a complete session is no substitute, and a half
 * one is nothing more), then the handler, then `afterCommit`. The handler opens its own tenant
 * transactions: verifying a code checks its rate limit outside one, like sign-in does.
 */
export async function runPendingSignInAction<S extends z.ZodType, T>(
  resolved: PendingSignInResolvedRequest,
  definition: PendingSignInActionDefinition<S>,
  handler: PendingSignInActionHandler<S, T>,
  formData: FormData,
  afterCommit?: AfterCommit<T>,
): Promise<ActionResult<T>> {
  const { request } = resolved;
  let data: T;
  let tenantId: string | undefined;
  try {
    const input = parseInput(definition.input, formToObject(formData));
    const tenant = await resolved.tenant();
    if (!tenant) throw new AppError('not_found', 'This workspace does not exist.');
    tenantId = tenant.id;
    if (tenant.status === 'suspended')
      throw new AppError('tenant_suspended', 'This workspace is suspended.');
    const pending = await resolved.pending();
    if (!pending || !definition.steps.includes(pending.step)) {
      throw new AppError('unauthenticated', 'Your sign-in has expired. Sign in again.');
    }
    const ctx: PendingSignInActionContext = {
      tenant,
      pending,
      actor: { type: 'user', id: pending.userId },
      request: { requestId: request.requestId, ip: request.ip },
    };
    data = await handler({ ctx, input });
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
