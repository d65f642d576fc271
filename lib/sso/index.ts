import 'server-only';
import { withTenant, type Transaction } from '@/db/scope';
import type { Actor, RequestMeta } from '@/lib/audit';
import { env } from '@/lib/env';
import { protocolFor } from '@/lib/host';
import {
  getSsoConnection,
  saveSsoConnection,
  ssoClientOf,
  type SsoConnectionDTO,
} from './connections';
import { discoverIssuer } from './discovery';
import { ssoRedirectUri } from './flow';
import type { SsoConnectionInput } from './schemas';

export {
  getSsoConnection,
  isSsoEnforced,
  removeSsoConnection,
  saveSsoConnection,
  type SsoConnectionDTO,
} from './connections';
export { discoverIssuer } from './discovery';
export {
  beginSsoSignIn,
  handleSsoCallback,
  ssoRedirectUri,
  type SsoCookie,
  type SsoStart,
} from './flow';
export {
  SSO_CALLBACK_PATH,
  ssoAutoProvisionRoles,
  ssoConnectionInput,
  ssoFailureMessages,
  ssoFailureReasons,
  type SsoAutoProvisionRole,
  type SsoConnectionInput,
  type SsoFailureReason,
} from './schemas';

/** What the sign-in page offers: the SSO button when a connection is on, and whether it is required. */
export async function ssoSignInOptions(
  tenantId: string,
): Promise<{ available: boolean; enforced: boolean }> {
  const client = await withTenant(tenantId, (tx) => ssoClientOf(tx, { tenantId }));
  return { available: client !== null, enforced: client?.enforced ?? false };
}

/**
 * Saves the settings form: checks the issuer's discovery document first (a clear error beside
 * the field when it cannot be used) and stores the issuer as the provider names itself. The check
 * runs after the action's permission check — nobody else can make the server fetch a URL — and
 * inside its transaction, bounded by the discovery timeout (5 s). Plain http issuers are accepted
 * only while the platform itself runs on plain http (local development and tests).
 */
export async function configureSsoConnection(
  tx: Transaction,
  params: { tenantId: string; input: SsoConnectionInput; actor: Actor; request?: RequestMeta },
): Promise<SsoConnectionDTO> {
  const { issuer } = await discoverIssuer(params.input.issuer, {
    allowHttp: protocolFor(env().ROOT_DOMAIN) === 'http',
  });
  return saveSsoConnection(tx, { ...params, input: { ...params.input, issuer } });
}

/** What the security settings page shows: the connection (never its secret) and the redirect URI. */
export async function ssoSettings(tenant: {
  id: string;
  slug: string;
}): Promise<{ connection: SsoConnectionDTO | null; redirectUri: string }> {
  const connection = await withTenant(tenant.id, (tx) =>
    getSsoConnection(tx, { tenantId: tenant.id }),
  );
  return { connection, redirectUri: ssoRedirectUri(tenant.slug) };
}
