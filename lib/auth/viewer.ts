import 'server-only';
import { withTenant } from '@/db/scope';
import { reportSecurityEvent } from '@/lib/activity';
import type { RequestMeta } from '@/lib/audit';
import type { SessionPolicy } from './policy';
import { loadSession, type ViewerDTO } from './sessions';

export type SessionToken = { sessionId?: string; tenantId?: string } | null | undefined;

/**
 * The member a decoded session token stands for on this tenant's host, or null. The token is
 * only a pointer: the server-side session must exist, belong to this tenant, be unrevoked and
 * within its lifetimes. A token minted for another tenant and replayed here is refused.
 */
export async function resolveViewer(
  tenant: { id: string; sessionPolicy?: SessionPolicy },
  token: SessionToken,
  request: RequestMeta = {},
): Promise<ViewerDTO | null> {
  const sessionId = token?.sessionId;
  if (!sessionId) return null;
  if (token.tenantId !== tenant.id) {
    // Another workspace's session replayed on this host: this tenant's security log keeps it,
    // without the other tenant's ids.
    await reportSecurityEvent({
      tenantId: tenant.id,
      actor: { type: 'anonymous', id: null },
      action: 'auth.session_rejected',
      channel: 'web',
      metadata: { reason: 'tenant_mismatch' },
      request,
    });
    return null;
  }
  return withTenant(tenant.id, (tx) =>
    loadSession(tx, { tenantId: tenant.id, sessionId, policy: tenant.sessionPolicy }),
  );
}
