import type { ReactNode } from 'react';
import { getCurrentTenant, getCurrentViewer } from '@/lib/actions';
import { isFeatureEnabled } from '@/lib/plans';
import { hasPermission } from '@/lib/rbac';
import { SettingsNav, type SettingsLink } from './_components/settings-nav';

/** The settings sub-navigation: only the sections this member may open on this plan. */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const [tenant, viewer] = await Promise.all([getCurrentTenant(), getCurrentViewer()]);
  const links: SettingsLink[] = [];
  if (tenant && viewer) {
    if (hasPermission(viewer, 'settings:manage'))
      links.push({ href: '/settings', label: 'General' });
    if (hasPermission(viewer, 'members:read')) {
      links.push({ href: '/settings/members', label: 'Members' });
      links.push({ href: '/settings/roles', label: 'Roles' });
    }
    if (hasPermission(viewer, 'security:manage')) {
      links.push({ href: '/settings/security', label: 'Security' });
      links.push({ href: '/settings/encryption', label: 'Encryption' });
      links.push({ href: '/settings/backups', label: 'Backups' });
    }
    // Every member manages their own sessions and second factor.
    links.push({ href: '/settings/sessions', label: 'Your sessions' });
    links.push({ href: '/settings/mfa', label: 'Two-factor' });
    if (hasPermission(viewer, 'api_keys:manage') && isFeatureEnabled(tenant, 'api_access')) {
      links.push({ href: '/settings/api-keys', label: 'API keys' });
    }
    if (hasPermission(viewer, 'usage:read'))
      links.push({ href: '/settings/usage', label: 'Usage' });
    if (hasPermission(viewer, 'billing:manage'))
      links.push({ href: '/settings/billing', label: 'Billing' });
    if (hasPermission(viewer, 'audit:read'))
      links.push({ href: '/settings/audit', label: 'Audit log' });
  }
  return (
    <div className="space-y-6">
      {links.length > 1 ? <SettingsNav links={links} /> : null}
      {children}
    </div>
  );
}
