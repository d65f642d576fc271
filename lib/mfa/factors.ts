import 'server-only';
import { randomUUID } from 'node:crypto';
import { and, count, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import { mfaFactors, mfaRecoveryCodes, tenants, type SessionPendingStep } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { mfaPolicyOf } from '@/lib/auth/policy';
import { readingKeyring, writingKeyring } from '@/lib/crypto';
import { AppError } from '@/lib/errors';
import { qrCodeDataUrl } from './qr';
import { generateRecoveryCodes, hashRecoveryCode, isRecoveryCode } from './recovery-codes';
import { generateTotpSecret, isTotpCode, matchTotpStep, totpUri } from './totp';

/** Whose factor: one membership of one tenant (each tenant portal is its own sign-in). */
type Owner = { tenantId: string; membershipId: string };
type Audited = { actor: Actor; request?: RequestMeta };

export type MfaStatusDTO = {
  /** A confirmed factor: sign-in asks for a code. */
  enabled: boolean;
  enabledAt: Date | null;
  /** A set-up begun but not confirmed yet: its secret, to show the QR code again. */
  pendingSecret: string | null;
  recoveryCodesLeft: number;
  /** The tenant's policy: a member may not remove their factor while it is required. */
  required: boolean;
};

/** What an authenticator app needs to add the factor: the QR code, and the secret to type in. */
export type EnrolmentDTO = { secret: string; otpauthUri: string; qrCodeDataUrl: string };

const wrongCode = (hint: string) =>
  new AppError('invalid_input', 'That code was not accepted.', { fieldErrors: { code: [hint] } });

async function tenantRequiresMfa(tx: Transaction, tenantId: string): Promise<boolean> {
  const [row] = await tx
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  return mfaPolicyOf(row?.settings.security).requireMfa;
}

// The TOTP secret is sealed under the tenant's data key, bound to the factor's id.
const secretAt = (factorId: string) =>
  ({ table: 'mfa_factors', column: 'secret', rowId: factorId }) as const;

async function factorOf(tx: Transaction, owner: Owner) {
  const [factor] = await tx
    .select({
      id: mfaFactors.id,
      secret: mfaFactors.secret,
      confirmedAt: mfaFactors.confirmedAt,
      lastUsedStep: mfaFactors.lastUsedStep,
    })
    .from(mfaFactors)
    .where(
      and(eq(mfaFactors.tenantId, owner.tenantId), eq(mfaFactors.membershipId, owner.membershipId)),
    );
  if (!factor) return undefined;
  const keyring = await readingKeyring(tx, owner.tenantId);
  return { ...factor, secret: keyring.open(factor.secret, secretAt(factor.id)) };
}

async function unusedRecoveryCodes(tx: Transaction, owner: Owner): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(mfaRecoveryCodes)
    .where(
      and(
        eq(mfaRecoveryCodes.tenantId, owner.tenantId),
        eq(mfaRecoveryCodes.membershipId, owner.membershipId),
        isNull(mfaRecoveryCodes.usedAt),
      ),
    );
  return row?.n ?? 0;
}

/** Replaces the member's recovery codes with fresh ones; the plain codes are returned once. */
async function replaceRecoveryCodes(tx: Transaction, owner: Owner): Promise<string[]> {
  await tx
    .delete(mfaRecoveryCodes)
    .where(
      and(
        eq(mfaRecoveryCodes.tenantId, owner.tenantId),
        eq(mfaRecoveryCodes.membershipId, owner.membershipId),
      ),
    );
  const codes = generateRecoveryCodes();
  await tx
    .insert(mfaRecoveryCodes)
    .values(codes.map((code) => ({ ...owner, codeHash: hashRecoveryCode(code) })));
  return codes;
}

/** The member's two-factor state, for their settings page and the enrolment step of sign-in. */
export async function getMfaStatus(tx: Transaction, params: Owner): Promise<MfaStatusDTO> {
  const factor = await factorOf(tx, params);
  const confirmed = Boolean(factor?.confirmedAt);
  return {
    enabled: confirmed,
    enabledAt: factor?.confirmedAt ?? null,
    pendingSecret: factor && !confirmed ? factor.secret : null,
    recoveryCodesLeft: confirmed ? await unusedRecoveryCodes(tx, params) : 0,
    required: await tenantRequiresMfa(tx, params.tenantId),
  };
}

/** The QR code and URI of a secret, labelled with the workspace and the member's e-mail. */
export async function describeEnrolment(params: {
  secret: string;
  issuer: string;
  account: string;
}): Promise<EnrolmentDTO> {
  const otpauthUri = totpUri(params);
  return { secret: params.secret, otpauthUri, qrCodeDataUrl: await qrCodeDataUrl(otpauthUri) };
}

/**
 * Begins a set-up with a new secret, replacing one begun earlier and never confirmed. A member
 * who has a factor removes it first: a working factor is never swapped out by a half set-up.
 */
export async function startEnrolment(tx: Transaction, params: Owner): Promise<{ secret: string }> {
  const factor = await factorOf(tx, params);
  if (factor?.confirmedAt) {
    throw new AppError('conflict', 'Two-factor sign-in is already on for your account.');
  }
  if (factor) await tx.delete(mfaFactors).where(eq(mfaFactors.id, factor.id));
  const secret = generateTotpSecret();
  const id = randomUUID();
  const keyring = await writingKeyring(tx, params.tenantId);
  await tx.insert(mfaFactors).values({ ...params, id, secret: keyring.seal(secret, secretAt(id)) });
  return { secret };
}

/**
 * Confirms a set-up with a first code from the app, which is then spent (it cannot be replayed
 * at sign-in), and issues the recovery codes, returned here once and stored only as hashes.
 */
export async function confirmEnrolment(
  tx: Transaction,
  params: Owner & Audited & { code: string; now?: number },
): Promise<{ recoveryCodes: string[] }> {
  const factor = await factorOf(tx, params);
  if (!factor || factor.confirmedAt) {
    throw new AppError(
      'conflict',
      factor ? 'Two-factor sign-in is already on.' : 'Start the set-up again.',
    );
  }
  const step = matchTotpStep({
    secret: factor.secret,
    code: params.code,
    lastUsedStep: null,
    now: params.now,
  });
  if (step === null) {
    throw wrongCode('Enter the current code from your app, and check your device’s clock.');
  }
  const [confirmed] = await tx
    .update(mfaFactors)
    .set({ confirmedAt: sql`now()`, lastUsedStep: step })
    .where(and(eq(mfaFactors.id, factor.id), isNull(mfaFactors.confirmedAt)))
    .returning({ id: mfaFactors.id });
  if (!confirmed) throw new AppError('conflict', 'Two-factor sign-in is already on.');
  const recoveryCodes = await replaceRecoveryCodes(tx, params);
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'mfa.enrolled',
    target: { type: 'membership', id: params.membershipId },
    metadata: { method: 'totp', recoveryCodes: recoveryCodes.length },
    request: params.request,
  });
  return { recoveryCodes };
}

/** New recovery codes for a member with a factor; every earlier code stops working. */
export async function regenerateRecoveryCodes(
  tx: Transaction,
  params: Owner & Audited,
): Promise<{ recoveryCodes: string[] }> {
  const factor = await factorOf(tx, params);
  if (!factor?.confirmedAt) {
    throw new AppError('conflict', 'Turn on two-factor sign-in first.');
  }
  const recoveryCodes = await replaceRecoveryCodes(tx, params);
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'mfa.recovery_codes_regenerated',
    target: { type: 'membership', id: params.membershipId },
    metadata: { recoveryCodes: recoveryCodes.length },
    request: params.request,
  });
  return { recoveryCodes };
}

/**
 * Removes the member's factor and recovery codes, unless the tenant requires a second factor
 * (read from the tenant's row in this transaction, not from what the caller believes).
 */
export async function removeFactor(tx: Transaction, params: Owner & Audited): Promise<void> {
  if (await tenantRequiresMfa(tx, params.tenantId)) {
    throw new AppError(
      'forbidden',
      'This workspace requires two-factor sign-in, so it cannot be turned off.',
    );
  }
  const removed = await tx
    .delete(mfaFactors)
    .where(
      and(
        eq(mfaFactors.tenantId, params.tenantId),
        eq(mfaFactors.membershipId, params.membershipId),
        isNotNull(mfaFactors.confirmedAt),
      ),
    )
    .returning({ id: mfaFactors.id });
  if (removed.length === 0) throw new AppError('not_found', 'Two-factor sign-in is not on.');
  await tx
    .delete(mfaRecoveryCodes)
    .where(
      and(
        eq(mfaRecoveryCodes.tenantId, params.tenantId),
        eq(mfaRecoveryCodes.membershipId, params.membershipId),
      ),
    );
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'mfa.removed',
    target: { type: 'membership', id: params.membershipId },
    request: params.request,
  });
}

/**
 * An admin's remedy for a member who lost their authenticator: the factor and recovery codes go
 * whatever the policy (where MFA is required, the member enrols again at their next sign-in).
 * The caller checks that the actor may manage this member, and ends the member's sessions.
 */
export async function resetFactor(tx: Transaction, params: Owner & Audited): Promise<boolean> {
  const removed = await tx
    .delete(mfaFactors)
    .where(
      and(
        eq(mfaFactors.tenantId, params.tenantId),
        eq(mfaFactors.membershipId, params.membershipId),
      ),
    )
    .returning({ confirmedAt: mfaFactors.confirmedAt });
  await tx
    .delete(mfaRecoveryCodes)
    .where(
      and(
        eq(mfaRecoveryCodes.tenantId, params.tenantId),
        eq(mfaRecoveryCodes.membershipId, params.membershipId),
      ),
    );
  if (!removed.some((factor) => factor.confirmedAt)) return false;
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'mfa.reset',
    target: { type: 'membership', id: params.membershipId },
    request: params.request,
  });
  return true;
}

/**
 * The step a correct password still owes: a code when the member has a factor, enrolment when
 * the tenant requires one and they have none, or nothing.
 */
export async function signInStepFor(
  tx: Transaction,
  params: Owner,
): Promise<SessionPendingStep | null> {
  const factor = await factorOf(tx, params);
  if (factor?.confirmedAt) return 'mfa';
  return (await tenantRequiresMfa(tx, params.tenantId)) ? 'mfa_enrolment' : null;
}

export type SecondFactorCheck =
  | { ok: true; method: 'totp' }
  | { ok: true; method: 'recovery_code'; recoveryCodesLeft: number }
  | { ok: false };

/**
 * Checks a sign-in code and spends it: an authenticator code moves the factor's last used step
 * forward (so it, or an older one, is refused next time), a recovery code is marked used. Both
 * writes are conditional and atomic, so two requests racing with one code cannot both pass.
 */
export async function verifySecondFactor(
  tx: Transaction,
  params: Owner & { code: string; now?: number },
): Promise<SecondFactorCheck> {
  if (isTotpCode(params.code)) {
    const factor = await factorOf(tx, params);
    if (!factor?.confirmedAt) return { ok: false };
    const step = matchTotpStep({
      secret: factor.secret,
      code: params.code,
      lastUsedStep: factor.lastUsedStep,
      now: params.now,
    });
    if (step === null) return { ok: false };
    const [spent] = await tx
      .update(mfaFactors)
      .set({ lastUsedStep: step })
      .where(
        and(
          eq(mfaFactors.id, factor.id),
          or(isNull(mfaFactors.lastUsedStep), lt(mfaFactors.lastUsedStep, step)),
        ),
      )
      .returning({ id: mfaFactors.id });
    return spent ? { ok: true, method: 'totp' } : { ok: false };
  }
  if (!isRecoveryCode(params.code)) return { ok: false };
  const [used] = await tx
    .update(mfaRecoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(mfaRecoveryCodes.tenantId, params.tenantId),
        eq(mfaRecoveryCodes.membershipId, params.membershipId),
        eq(mfaRecoveryCodes.codeHash, hashRecoveryCode(params.code)),
        isNull(mfaRecoveryCodes.usedAt),
      ),
    )
    .returning({ id: mfaRecoveryCodes.id });
  if (!used) return { ok: false };
  return {
    ok: true,
    method: 'recovery_code',
    recoveryCodesLeft: await unusedRecoveryCodes(tx, params),
  };
}
