import 'server-only';
import { env } from '@/lib/env';
import { protocolFor } from '@/lib/host';
import { authSecret } from './secret';
import { SESSION_COOKIE_MAX_AGE_SECONDS } from './sessions';

/**
 * The Auth.js options every configuration shares: the app's own (lib/auth/config.ts) and the
 * per-tenant single sign-on one (lib/sso). The session cookie's name salts its token, so both must
 * agree on secret, cookie names and lifetime for a cookie minted by one to be read by the other.
 *
 * Cookie security follows the platform's configured protocol (`ROOT_DOMAIN`), not each request's
 * headers: `Secure` and the `__Secure-` prefix under https, plain cookies on local http. Every
 * cookie is host-only (Auth.js sets no Domain), so one tenant's host never sees another's.
 */
export function sharedAuthOptions() {
  return {
    secret: authSecret(),
    trustHost: true,
    basePath: '/api/auth',
    useSecureCookies: protocolFor(env().ROOT_DOMAIN) === 'https',
    // The cookie may live as long as the longest tenant policy; each request checks the tenant's own.
    session: { strategy: 'jwt' as const, maxAge: SESSION_COOKIE_MAX_AGE_SECONDS },
    pages: { signIn: '/sign-in', error: '/sign-in' },
  };
}
