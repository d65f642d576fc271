import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import { ssoConnections } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { readingKeyring, writingKeyring } from '@/lib/crypto';
import { AppError } from '@/lib/errors';
import type { SsoAutoProvisionRole, SsoConnectionInput } from './schemas';

/** A tenant's connection as the settings page shows it: never the client secret. */
export type SsoConnectionDTO = {
  issuer: string;
  clientId: string;
  enabled: boolean;
  enforced: boolean;
  autoProvisionRole: SsoAutoProvisionRole | null;
  updatedAt: Date;
};

/** What the sign-in flow needs: the secret included, so it never leaves lib/sso and Auth.js. */
export type SsoClient = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  enforced: boolean;
  autoProvisionRole: SsoAutoProvisionRole | null;
};

const publicColumns = {
  issuer: ssoConnections.issuer,
  clientId: ssoConnections.clientId,
  enabled: ssoConnections.enabled,
  enforced: ssoConnections.enforced,
  autoProvisionRole: ssoConnections.autoProvisionRole,
  updatedAt: ssoConnections.updatedAt,
};

function toDTO(row: {
  issuer: string;
  clientId: string;
  enabled: boolean;
  enforced: boolean;
  autoProvisionRole: string | null;
  updatedAt: Date;
}): SsoConnectionDTO {
  return { ...row, autoProvisionRole: row.autoProvisionRole as SsoAutoProvisionRole | null };
}

export async function getSsoConnection(
  tx: Transaction,
  params: { tenantId: string },
): Promise<SsoConnectionDTO | null> {
  const [row] = await tx
    .select(publicColumns)
    .from(ssoConnections)
    .where(eq(ssoConnections.tenantId, params.tenantId));
  return row ? toDTO(row) : null;
}

/** The tenant's enabled connection with its secret, or null when SSO is off or not configured. */
export async function ssoClientOf(
  tx: Transaction,
  params: { tenantId: string },
): Promise<SsoClient | null> {
  const [row] = await tx
    .select({
      issuer: ssoConnections.issuer,
      clientId: ssoConnections.clientId,
      clientSecret: ssoConnections.clientSecret,
      enforced: ssoConnections.enforced,
      autoProvisionRole: ssoConnections.autoProvisionRole,
    })
    .from(ssoConnections)
    .where(and(eq(ssoConnections.tenantId, params.tenantId), eq(ssoConnections.enabled, true)));
  if (!row) return null;
  const keyring = await readingKeyring(tx, params.tenantId);
  return {
    ...row,
    clientSecret: keyring.open(row.clientSecret, secretAt(params.tenantId)),
    autoProvisionRole: row.autoProvisionRole as SsoAutoProvisionRole | null,
  };
}

// The client secret is sealed under the tenant's data key; the tenant's one connection is its row.
function secretAt(tenantId: string) {
  return { table: 'sso_connections', column: 'client_secret', rowId: tenantId } as const;
}

/** Whether members must sign in with SSO (an enabled, enforced connection). */
export async function isSsoEnforced(
  tx: Transaction,
  params: { tenantId: string },
): Promise<boolean> {
  const [row] = await tx
    .select({ enforced: ssoConnections.enforced })
    .from(ssoConnections)
    .where(and(eq(ssoConnections.tenantId, params.tenantId), eq(ssoConnections.enabled, true)));
  return row?.enforced ?? false;
}

/**
 * Creates or changes the tenant's connection. `issuer` is the one its discovery document names
 * (the caller fetched it before the transaction). A blank secret keeps the saved one; a new
 * connection needs one. Audited as `sso.configured` with the settings before and after — never
 * the secret, only whether it changed.
 */
export async function saveSsoConnection(
  tx: Transaction,
  params: {
    tenantId: string;
    input: SsoConnectionInput;
    actor: Actor;
    request?: RequestMeta;
  },
): Promise<SsoConnectionDTO> {
  const { tenantId, input } = params;
  const [before] = await tx
    .select(publicColumns)
    .from(ssoConnections)
    .where(eq(ssoConnections.tenantId, tenantId))
    .for('update');
  if (!before && !input.clientSecret) {
    throw new AppError('invalid_input', 'Check the highlighted fields.', {
      fieldErrors: { clientSecret: ['Enter the client secret the identity provider gave you.'] },
    });
  }
  const values = {
    issuer: input.issuer,
    clientId: input.clientId,
    enabled: input.enabled,
    // Enforcing a connection that is switched off would lock members out: enforced needs enabled.
    enforced: input.enabled && input.enforced,
    autoProvisionRole: input.autoProvisionRole,
  };
  const clientSecret = input.clientSecret
    ? (await writingKeyring(tx, tenantId)).seal(input.clientSecret, secretAt(tenantId))
    : undefined;
  const [saved] = before
    ? await tx
        .update(ssoConnections)
        .set({ ...values, ...(clientSecret ? { clientSecret } : {}), updatedAt: sql`now()` })
        .where(eq(ssoConnections.tenantId, tenantId))
        .returning(publicColumns)
    : await tx
        .insert(ssoConnections)
        .values({ tenantId, ...values, clientSecret: clientSecret! })
        .returning(publicColumns);
  if (!saved) throw new Error('sso connection write returned no row');
  const after = toDTO(saved);
  await recordAudit(tx, {
    tenantId,
    actor: params.actor,
    action: 'sso.configured',
    target: { type: 'sso_connection', id: tenantId },
    metadata: {
      before: before ? settingsOf(toDTO(before)) : null,
      after: settingsOf(after),
      secretChanged: Boolean(input.clientSecret),
    },
    request: params.request,
  });
  return after;
}

/** Removes the tenant's connection; linked identities stay, unused until the issuer returns. */
export async function removeSsoConnection(
  tx: Transaction,
  params: { tenantId: string; actor: Actor; request?: RequestMeta },
): Promise<void> {
  const [removed] = await tx
    .delete(ssoConnections)
    .where(eq(ssoConnections.tenantId, params.tenantId))
    .returning(publicColumns);
  if (!removed) throw new AppError('not_found', 'There is no single sign-on connection to remove.');
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'sso.removed',
    target: { type: 'sso_connection', id: params.tenantId },
    metadata: { before: settingsOf(toDTO(removed)) },
    request: params.request,
  });
}

function settingsOf(connection: SsoConnectionDTO) {
  const { updatedAt: _updatedAt, ...settings } = connection;
  return settings;
}
