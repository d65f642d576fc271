'use server';

import { redirect } from 'next/navigation';
import { platformAction, type ActionState } from '@/lib/actions';
import { provisionTenantForm } from '@/lib/operators';
import { provisionTenantIn } from '@/lib/tenancy';

// Next.js accepts only async function declarations as exports of a 'use server' file, so the
// export delegates to the wrapped action: refuse tenant hosts, validate, require an operator,
// provision in one platform transaction (audited with actor: this operator), then open it.
const provision = platformAction(
  { name: 'tenant.provision', input: provisionTenantForm },
  async ({ tx, ctx, input }) => {
    const { tenant } = await provisionTenantIn(tx, input, {
      actor: ctx.actor,
      via: 'console',
      request: ctx.request,
    });
    return { id: tenant.id };
  },
  ({ id }) => redirect(`/admin/tenants/${id}`),
);

export async function provisionTenantAction(
  previous: ActionState<{ id: string }>,
  formData: FormData,
) {
  return provision(previous, formData);
}
