import 'server-only';
import { notFound, redirect } from 'next/navigation';
import { getCurrentTenant, getCurrentViewer } from '@/lib/actions/context';
import { roleHasPermission, type Permission } from '@/lib/rbac';

/**
 * For pages: the host's tenant and its signed-in member, or a redirect to sign-in. A page's
 * check protects what it renders only; the actions it posts to check again themselves.
 */
export async function requireMember(permission?: Permission) {
  const tenant = await getCurrentTenant();
  if (!tenant) notFound();
  const viewer = await getCurrentViewer();
  if (!viewer) redirect('/sign-in');
  const allowed = permission ? roleHasPermission(viewer.role, permission) : true;
  return { tenant, viewer, allowed };
}
