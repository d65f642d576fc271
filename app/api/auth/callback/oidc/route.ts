// GET /api/auth/callback/oidc — the redirect URI of a tenant's single sign-on: the identity
// provider sends the browser back here (tenant hosts only; the tenant comes from the host).
// Nothing else of Auth.js is served: sign-in and sign-out are server actions, so every other
// /api/auth path is a 404 and other methods a 405.
import { handleSsoCallback } from '@/lib/sso';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  return handleSsoCallback(request);
}
