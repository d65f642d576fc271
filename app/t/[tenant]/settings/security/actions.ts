'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState, type TenantActionContext } from '@/lib/actions';
import type { Transaction } from '@/db/scope';
import { configureSsoConnection, removeSsoConnection, ssoConnectionInput } from '@/lib/sso';
import {
  accountPolicySchema,
  mfaPolicySchema,
  sessionPolicySchema,
  updateAccountPolicy,
  updateMfaPolicy,
  updateSessionPolicy,
} from '@/lib/tenancy';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action (validate, authenticate, security:manage); the lib
// function audits the change in the action's transaction.

type Saved = { saved: boolean };

/** The one shape of every section of this page: save in the tenant's transaction, say so. */
function savedBy<I>(
  save: (
    tx: Transaction,
    scope: {
      tenantId: string;
      actor: TenantActionContext['actor'];
      request: TenantActionContext['request'];
    },
    input: I,
  ) => Promise<unknown>,
) {
  return async ({ tx, ctx, input }: { tx: Transaction; ctx: TenantActionContext; input: I }) => {
    await save(tx, { tenantId: ctx.tenant.id, actor: ctx.actor, request: ctx.request }, input);
    return { saved: true };
  };
}

const refresh = () => revalidatePath('/settings/security');

const updateSessions = tenantAction(
  {
    name: 'tenant.update_session_policy',
    input: sessionPolicySchema,
    permission: 'security:manage',
  },
  savedBy((tx, scope, policy) => updateSessionPolicy(tx, { ...scope, policy })),
  refresh,
);

const updateAccounts = tenantAction(
  {
    name: 'tenant.update_account_policy',
    input: accountPolicySchema,
    permission: 'security:manage',
  },
  savedBy((tx, scope, policy) => updateAccountPolicy(tx, { ...scope, policy })),
  refresh,
);

const updateMfa = tenantAction(
  { name: 'tenant.update_mfa_policy', input: mfaPolicySchema, permission: 'security:manage' },
  savedBy((tx, scope, policy) => updateMfaPolicy(tx, { ...scope, policy })),
  refresh,
);

const saveSso = tenantAction(
  { name: 'sso.configure', input: ssoConnectionInput, permission: 'security:manage' },
  savedBy((tx, scope, input) => configureSsoConnection(tx, { ...scope, input })),
  refresh,
);

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
  refresh,
);

export async function updateSessionPolicyAction(previous: ActionState<Saved>, formData: FormData) {
  return updateSessions(previous, formData);
}

export async function updateAccountPolicyAction(previous: ActionState<Saved>, formData: FormData) {
  return updateAccounts(previous, formData);
}

export async function updateMfaPolicyAction(previous: ActionState<Saved>, formData: FormData) {
  return updateMfa(previous, formData);
}

export async function saveSsoConnectionAction(previous: ActionState<Saved>, formData: FormData) {
  return saveSso(previous, formData);
}

export async function removeSsoConnectionAction(
  previous: ActionState<{ removed: boolean }>,
  formData: FormData,
) {
  return removeSso(previous, formData);
}
