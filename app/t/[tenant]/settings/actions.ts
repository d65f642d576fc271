'use server';

import { revalidatePath } from 'next/cache';
import { tenantAction, type ActionState } from '@/lib/actions';
import { tenantSettingsInput, updateTenantSettings } from '@/lib/tenancy';

// Without custom_branding the form sends the name only; updateTenantSettings then keeps the
// saved branding, and refuses (feature_disabled) branding sent anyway.
const settingsInput = tenantSettingsInput.partial({ logoUrl: true, primaryColor: true });

const update = tenantAction(
  { name: 'tenant.update_settings', input: settingsInput, permission: 'settings:manage' },
  ({ tx, ctx, input }) =>
    updateTenantSettings(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      ...input,
    }),
  () => revalidatePath('/', 'layout'),
);

export async function updateSettingsAction(previous: ActionState, formData: FormData) {
  return update(previous, formData);
}
