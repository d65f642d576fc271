'use server';

import { revalidatePath } from 'next/cache';
import { tenantAction, type ActionState } from '@/lib/actions';
import { tenantSettingsInput, updateTenantSettings } from '@/lib/tenancy';

const update = tenantAction(
  { name: 'tenant.update_settings', input: tenantSettingsInput, permission: 'settings:manage' },
  ({ tx, ctx, input }) =>
    updateTenantSettings(tx, { tenantId: ctx.tenant.id, actor: ctx.actor, request: ctx.request, ...input }),
  () => revalidatePath('/', 'layout'),
);

export async function updateSettingsAction(previous: ActionState, formData: FormData) {
  return update(previous, formData);
}
