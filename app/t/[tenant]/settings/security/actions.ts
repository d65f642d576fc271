'use server';

import { revalidatePath } from 'next/cache';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  accountPolicySchema,
  sessionPolicySchema,
  updateAccountPolicy,
  updateSessionPolicy,
} from '@/lib/tenancy';

// Next.js accepts only async function declarations as exports of a 'use server' file, so the
// export delegates to the wrapped action (validate, authenticate, security:manage, audit).
const update = tenantAction(
  {
    name: 'tenant.update_session_policy',
    input: sessionPolicySchema,
    permission: 'security:manage',
  },
  async ({ tx, ctx, input }) => {
    await updateSessionPolicy(tx, {
      tenantId: ctx.tenant.id,
      policy: input,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { saved: true };
  },
  () => revalidatePath('/settings/security'),
);

export async function updateSessionPolicyAction(
  previous: ActionState<{ saved: boolean }>,
  formData: FormData,
) {
  return update(previous, formData);
}

const updateAccounts = tenantAction(
  {
    name: 'tenant.update_account_policy',
    input: accountPolicySchema,
    permission: 'security:manage',
  },
  async ({ tx, ctx, input }) => {
    await updateAccountPolicy(tx, {
      tenantId: ctx.tenant.id,
      policy: input,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { saved: true };
  },
  () => revalidatePath('/settings/security'),
);

export async function updateAccountPolicyAction(
  previous: ActionState<{ saved: boolean }>,
  formData: FormData,
) {
  return updateAccounts(previous, formData);
}
