import 'server-only';
import { randomUUID } from 'node:crypto';
import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
import { getOperator, getPendingSignIn, getViewer } from '@/lib/auth';
import type { SessionPendingStep } from '@/db/schema';
import { INTERNAL_HEADERS } from '@/lib/host';
import { hasPermission, type Permission } from '@/lib/rbac';
import { clientIp } from '@/lib/request-meta';
import { resolveTenantBySlug } from '@/lib/tenancy';

export type RequestContext = {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The slug middleware derived from the Host; null on the root domain. */
  tenantSlug: string | null;
};

/** Read once per request: what middleware established about it. */
export const getRequestContext = cache(async (): Promise<RequestContext> => {
  const h = await headers();
  return {
    requestId: h.get(INTERNAL_HEADERS.requestId) ?? randomUUID(),
    ip: clientIp(h),
    userAgent: h.get('user-agent'),
    tenantSlug: h.get(INTERNAL_HEADERS.tenantSlug),
  };
});

export const getCurrentTenant = cache(async () => {
  const { tenantSlug } = await getRequestContext();
  return tenantSlug ? resolveTenantBySlug(tenantSlug) : null;
});

export const getCurrentViewer = cache(async () => {
  const tenant = await getCurrentTenant();
  if (!tenant) return null;
  const { requestId, ip } = await getRequestContext();
  return getViewer(tenant, { requestId, ip });
});

/**
 * For pages: the host's tenant and its signed-in member, or a redirect to sign-in. A page's
 * check protects what it renders only; the actions it posts to check again themselves.
 */
export async function requireMember(permission: Permission | 'self') {
  const tenant = await getCurrentTenant();
  if (!tenant) notFound();
  const viewer = await getCurrentViewer();
  if (!viewer) redirect('/sign-in');
  const allowed = permission === 'self' || hasPermission(viewer, permission);
  return { tenant, viewer, allowed };
}

/** The half sign-in (second factor owed) behind this request's cookie; never a viewer. */
export const getCurrentPendingSignIn = cache(async () => {
  const tenant = await getCurrentTenant();
  if (!tenant) return null;
  const { requestId, ip } = await getRequestContext();
  return getPendingSignIn(tenant, { requestId, ip });
});

/**
 * For the second-step pages of sign-in only: the host's tenant and the half sign-in owing
 * `step`, or a redirect to sign-in. Its actions check again through pendingSignInAction.
 */
export async function requirePendingSignIn(step: SessionPendingStep) {
  const tenant = await getCurrentTenant();
  if (!tenant) notFound();
  const pending = await getCurrentPendingSignIn();
  if (!pending || pending.step !== step) redirect('/sign-in');
  return { tenant, pending };
}

/** The signed-in platform operator; always null on a tenant host, whatever cookie came along. */
export const getCurrentOperator = cache(async () => {
  const { tenantSlug, requestId, ip } = await getRequestContext();
  if (tenantSlug) return null;
  return getOperator({ requestId, ip });
});

/**
 * For console pages: the signed-in operator, or a redirect to the operator sign-in. The console
 * does not exist on tenant hosts (404, as middleware already answers). Like requireMember, it
 * protects what the page renders only: every platform action checks again.
 */
export async function requireOperator() {
  const { tenantSlug } = await getRequestContext();
  if (tenantSlug) notFound();
  const operator = await getCurrentOperator();
  if (!operator) redirect('/admin/sign-in');
  return operator;
}
