import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import { apiKeys } from '@/db/schema';
import { channelOf, recordSecurityEvent } from '@/lib/activity';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';

import { apiScopes, type ApiScope } from './scopes';

export { apiScopes, type ApiScope } from './scopes';

const KEY_PREFIX = 'tnry_';
const KEY_PATTERN = /^tnry_[A-Za-z0-9_-]{43}$/;
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;
// last_used_at is stamped at most this often, so a busy key is not a write per request.
const TOUCH_INTERVAL_SECONDS = 60;

const toList = (value: unknown) =>
  value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value];

const futureInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value.length === 10 ? `${value}T23:59:59.999Z` : value))
  .refine((date) => date.getTime() > Date.now(), 'Choose a time in the future.');

export const createApiKeyInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Name the key, e.g. after the program that will use it.')
    .max(100, 'Keep the name under 100 characters.'),
  scopes: z.preprocess(
    toList,
    z
      .array(z.enum(apiScopes, { message: `Unknown scope; use ${apiScopes.join(', ')}.` }))
      .min(1, 'Choose at least one scope.')
      .transform((scopes) => [...new Set(scopes)]),
  ),
  expiresAt: z.preprocess(
    (value) => (value === '' || value === null ? undefined : value),
    futureInstant.optional(),
  ),
});
export type CreateApiKeyInput = z.output<typeof createApiKeyInput>;

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';
export type ApiKeyDTO = {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: ApiKeyStatus;
};
export type CreatedApiKey = { id: string; key: string; prefix: string };
export type AuthenticatedKey = { id: string; scopes: ApiScope[] };

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

type Scope = { tenantId: string };
type Mutation = Scope & { actor: Actor; request?: RequestMeta };

/** Creates a key and returns it in full, the only time it is ever available. */
export async function createApiKey(
  tx: Transaction,
  params: Mutation & CreateApiKeyInput,
): Promise<CreatedApiKey> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const prefix = key.slice(0, SHOWN_PREFIX_LENGTH);
  const [row] = await tx
    .insert(apiKeys)
    .values({
      tenantId: params.tenantId,
      name: params.name,
      prefix,
      keyHash: hashKey(key),
      scopes: params.scopes,
      createdBy: params.actor.type === 'user' ? params.actor.id : null,
      expiresAt: params.expiresAt ?? null,
    })
    .returning({ id: apiKeys.id });
  if (!row) throw new Error('api key insert returned no row');
  const event = {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'api_key.created',
    target: { type: 'api_key', id: row.id },
    metadata: {
      name: params.name,
      prefix,
      scopes: params.scopes,
      expiresAt: params.expiresAt?.toISOString() ?? null,
    },
    request: params.request,
  } as const;
  // A new credential is a change (audit trail) and a security event (security log) alike.
  await recordSecurityEvent(tx, { ...event, channel: channelOf(params.actor) });
  await recordAudit(tx, event);
  return { id: row.id, key, prefix };
}

function statusOf(
  row: { revokedAt: Date | null; expiresAt: Date | null },
  now = Date.now(),
): ApiKeyStatus {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && row.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

export async function listApiKeys(tx: Transaction, params: Scope): Promise<ApiKeyDTO[]> {
  const rows = await tx
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      expiresAt: apiKeys.expiresAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, params.tenantId))
    .orderBy(desc(apiKeys.createdAt))
    .limit(200);
  return rows.map((row) => ({ ...row, scopes: row.scopes as ApiScope[], status: statusOf(row) }));
}

/** Revokes a key for good. Revoking a revoked key changes nothing and records nothing. */
export async function revokeApiKey(
  tx: Transaction,
  params: Mutation & { id: string },
): Promise<void> {
  const [row] = await tx
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, params.tenantId), eq(apiKeys.id, params.id)));
  if (!row) throw new AppError('not_found', 'API key not found.');
  if (row.revokedAt) return;
  await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.tenantId, params.tenantId), eq(apiKeys.id, params.id)));
  const event = {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'api_key.revoked',
    target: { type: 'api_key', id: row.id },
    metadata: { name: row.name, prefix: row.prefix },
    request: params.request,
  } as const;
  await recordSecurityEvent(tx, { ...event, channel: channelOf(params.actor) });
  await recordAudit(tx, event);
}

/**
 * The key behind a bearer token on this tenant's host, or null. The lookup runs in the host
 * tenant's transaction, so another tenant's key is simply not found. Revoked and expired keys
 * are refused. Last use is stamped at most once a minute.
 */
export async function authenticateApiKey(
  tx: Transaction,
  params: Scope & { key: string },
): Promise<AuthenticatedKey | null> {
  if (!KEY_PATTERN.test(params.key)) return null;
  const [row] = await tx
    .select({
      id: apiKeys.id,
      scopes: apiKeys.scopes,
      stale: sql<boolean>`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - make_interval(secs => ${TOUCH_INTERVAL_SECONDS}))`,
    })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.tenantId, params.tenantId),
        eq(apiKeys.keyHash, hashKey(params.key)),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), sql`${apiKeys.expiresAt} > now()`),
      ),
    );
  if (!row) return null;
  if (row.stale) {
    await tx
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(
        and(
          eq(apiKeys.tenantId, params.tenantId),
          eq(apiKeys.id, row.id),
          or(
            isNull(apiKeys.lastUsedAt),
            lt(apiKeys.lastUsedAt, sql`now() - make_interval(secs => ${TOUCH_INTERVAL_SECONDS})`),
          ),
        ),
      );
  }
  return { id: row.id, scopes: row.scopes as ApiScope[] };
}

export function hasScope(key: AuthenticatedKey, scope: ApiScope): boolean {
  return key.scopes.includes(scope);
}
