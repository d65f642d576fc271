'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import { createApiKey, createApiKeyInput, revokeApiKey, type CreatedApiKey } from '@/lib/api-keys';

// Both actions need the permission and the plan's api_access feature: the page hides the UI
// on a plan without the API, but an action is a public endpoint and checks for itself.
const gate = { permission: 'api_keys:manage', feature: 'api_access' } as const;

const create = tenantAction(
  { name: 'api_key.create', input: createApiKeyInput, ...gate },
  ({ tx, ctx, input }) =>
    createApiKey(tx, { tenantId: ctx.tenant.id, actor: ctx.actor, request: ctx.request, ...input }),
  () => revalidatePath('/settings/api-keys'),
);

const revoke = tenantAction(
  { name: 'api_key.revoke', input: z.object({ id: z.uuid({ message: 'Unknown key.' }) }), ...gate },
  ({ tx, ctx, input }) =>
    revokeApiKey(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      id: input.id,
    }),
  () => revalidatePath('/settings/api-keys'),
);

export async function createApiKeyAction(previous: ActionState<CreatedApiKey>, formData: FormData) {
  return create(previous, formData);
}

export async function revokeApiKeyAction(previous: ActionState, formData: FormData) {
  return revoke(previous, formData);
}
