'use server';

import { publicAction, type ActionState } from '@/lib/actions';
import { env } from '@/lib/env';
import { protocolFor, tenantOrigin } from '@/lib/host';
import { registerTenant, registerTenantInput } from '@/lib/tenancy';

type SignUpResult = { slug: string; portalUrl: string };

const signUp = publicAction(
  { name: 'tenant.sign_up', input: registerTenantInput },
  async ({ input, request }) => {
    const tenant = await registerTenant(input, request);
    const { ROOT_DOMAIN } = env();
    return {
      slug: tenant.slug,
      portalUrl: `${tenantOrigin(tenant.slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}/sign-in`,
    };
  },
);

export async function signUpAction(previous: ActionState<SignUpResult>, formData: FormData) {
  return signUp(previous, formData);
}
