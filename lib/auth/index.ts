import 'server-only';
import { withTenant } from '@/db/scope';
import { logSecurityEvent } from '@/lib/log';
import type { RequestMeta } from '@/lib/audit';
import type { TenantContextDTO } from '@/lib/tenancy';
import { AuthError } from 'next-auth';
import { auth, signIn, signOut } from './config';
import { loadSession, revokeSession, type ViewerDTO } from './sessions';

export type { ViewerDTO } from './sessions';
export { hashPassword, verifyPassword } from './password';

/** The signed-in member of this tenant, or null. Re-checks the server-side session every time. */
export async function getViewer(tenant: TenantContextDTO, request: RequestMeta = {}): Promise<ViewerDTO | null> {
  const session = await auth();
  if (!session?.sessionId) return null;
  if (session.tenantId !== tenant.id) {
    // A token minted for another tenant, replayed on this host.
    logSecurityEvent('auth.session_rejected', { tenantId: tenant.id, requestId: request.requestId, reason: 'tenant_mismatch' });
    return null;
  }
  return withTenant(tenant.id, (tx) => loadSession(tx, { tenantId: tenant.id, sessionId: session.sessionId! }));
}

export type SignInResult = { ok: true } | { ok: false; code: 'invalid_credentials' | 'rate_limited' | 'tenant_suspended' };

/** Runs Auth.js's credentials sign-in for the host's tenant and sets the session cookie. */
export async function signInWithPassword(email: string, password: string): Promise<SignInResult> {
  try {
    await signIn('credentials', { email, password, redirect: false });
    return { ok: true };
  } catch (error) {
    if (error instanceof AuthError) {
      const code = (error as AuthError & { code?: string }).code;
      if (code === 'rate_limited' || code === 'tenant_suspended') return { ok: false, code };
      return { ok: false, code: 'invalid_credentials' };
    }
    throw error;
  }
}

/** Revokes the server-side session, then clears the cookie. */
export async function signOutViewer(tenant: TenantContextDTO, viewer: ViewerDTO, request: RequestMeta): Promise<void> {
  await withTenant(tenant.id, (tx) =>
    revokeSession(tx, {
      tenantId: tenant.id,
      sessionId: viewer.sessionId,
      actor: { type: 'user', id: viewer.userId },
      request,
    }),
  );
  await signOut({ redirect: false });
}
