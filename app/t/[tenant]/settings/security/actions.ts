'use server';

import { revalidatePath } from 'next/cache';
import { tenantAction, type ActionState } from '@/lib/actions';
import { z } from 'zod';
import { configureSsoConnection, removeSsoConnection, ssoConnectionInput } from '@/lib/sso';
import {
  accountPolicySchema,
  mfaPolicySchema,
  sessionPolicySchema,
  updateAccountPolicy,
  updateMfaPolicy,
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

const updateMfa = tenantAction(
  { name: 'tenant.update_mfa_policy', input: mfaPolicySchema, permission: 'security:manage' },
  async ({ tx, ctx, input }) => {
    await updateMfaPolicy(tx, {
      tenantId: ctx.tenant.id,
      policy: input,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { saved: true };
  },
  () => revalidatePath('/settings/security'),
);

export async function updateMfaPolicyAction(
  previous: ActionState<{ saved: boolean }>,
  formData: FormData,
) {
  return updateMfa(previous, formData);
}

const saveSso = tenantAction(
  { name: 'sso.configure', input: ssoConnectionInput, permission: 'security:manage' },
  async ({ tx, ctx, input }) => {
    await configureSsoConnection(tx, {
      tenantId: ctx.tenant.id,
      input,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { saved: true };
  },
  () => revalidatePath('/settings/security'),
);

export async function saveSsoConnectionAction(
  previous: ActionState<{ saved: boolean }>,
  formData: FormData,
) {
  return saveSso(previous, formData);
}

const removeSso = tenantAction(
  { name: 'sso.remove', input: z.object({}), permission: 'security:manage' },
  async ({ tx, ctx }) => {
    await removeSsoConnection(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { removed: true };
  },
  () => revalidatePath('/settings/security'),
);

export async function removeSsoConnectionAction(
  previous: ActionState<{ removed: boolean }>,
  formData: FormData,
) {
  return removeSso(previous, formData);
}
