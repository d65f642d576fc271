import Link from 'next/link';
import { Th } from '@/components/ui/table';

/** The first cell of a per-tenant table row: the tenant's name, linking to it, and its slug. */
export function TenantRowHeader({
  tenant,
}: {
  tenant: { tenantId: string; name: string; slug: string };
}) {
  return (
    <Th scope="row">
      <Link href={`/admin/tenants/${tenant.tenantId}`} className="text-brand hover:underline">
        {tenant.name}
      </Link>
      <div className="font-mono text-xs font-normal text-slate-500">{tenant.slug}</div>
    </Th>
  );
}
