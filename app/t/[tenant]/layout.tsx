import type { CSSProperties, ReactNode } from 'react';
import { notFound } from 'next/navigation';
import { getCurrentTenant, getCurrentViewer } from '@/lib/actions';
import { hasPermission } from '@/lib/rbac';
import { PortalHeader } from './_components/portal-header';
import { SuspendedNotice } from './_components/suspended-notice';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const tenant = await getCurrentTenant();
  return {
    title: tenant ? { default: tenant.name, template: `%s · ${tenant.name}` } : 'Not found',
  };
}

export default async function TenantLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ tenant: string }>;
}) {
  const [tenant, { tenant: slugFromPath }] = await Promise.all([getCurrentTenant(), params]);
  // The path segment comes from middleware's rewrite of the host; both must agree.
  if (!tenant || tenant.slug !== slugFromPath) notFound();

  const style = { '--brand': tenant.branding.primaryColor } as CSSProperties;
  if (tenant.status === 'suspended') {
    return (
      <div style={style}>
        <SuspendedNotice tenantName={tenant.name} />
      </div>
    );
  }
  const viewer = await getCurrentViewer();
  return (
    <div style={style} className="min-h-screen">
      <PortalHeader
        tenant={{ name: tenant.name, logoUrl: tenant.branding.logoUrl }}
        viewer={
          viewer
            ? {
                name: viewer.name,
                email: viewer.email,
                canManageSettings: hasPermission(viewer, 'settings:manage'),
                canSeeMembers: hasPermission(viewer, 'members:read'),
              }
            : null
        }
      />
      {tenant.status === 'past_due' ? (
        <p role="status" className="bg-amber-100 px-6 py-2 text-center text-sm text-amber-900">
          Payment for this workspace is overdue. Ask an owner to update billing to keep access.
        </p>
      ) : null}
      <main className="mx-auto max-w-5xl px-6 py-8">{children}</main>
    </div>
  );
}
