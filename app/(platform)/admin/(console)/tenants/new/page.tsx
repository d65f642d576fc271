import Link from 'next/link';
import { requireOperator } from '@/lib/actions';
import { env } from '@/lib/env';
import { planIds, plans } from '@/lib/plans';
import { provisionTenantAction } from './actions';
import { NewTenantForm } from './_components/new-tenant-form';

export const metadata = { title: 'New tenant' };

const planOptions = planIds.map((id) => ({ value: id, label: plans[id].name }));

export default async function NewTenantPage() {
  await requireOperator();
  return (
    <section aria-labelledby="new-tenant-heading" className="space-y-6">
      <Link href="/admin" className="text-sm text-slate-600 hover:text-slate-900">
        ← All tenants
      </Link>
      <div>
        <h1 id="new-tenant-heading" className="text-2xl font-semibold">
          New tenant
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Creates the workspace with its plan’s defaults, default branding and its owner’s
          membership, in one step. Metadata, overrides and API keys can be set on its page next.
        </p>
      </div>
      <NewTenantForm
        action={provisionTenantAction}
        rootDomain={env().ROOT_DOMAIN}
        planOptions={planOptions}
      />
    </section>
  );
}
