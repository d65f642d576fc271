import 'server-only';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '@/db/client';
import { tenants } from '@/db/schema';
import { queryRows, withPlatform, type Transaction } from '@/db/scope';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { slugSchema } from '@/lib/host';
import { slugTaken, tenantNameSchema } from '@/lib/tenancy/schemas';
import { passphraseKey, passphraseSeal, readArchive, sha256Hex } from './archive';
import { buildBackupFile, openBackupFile } from './jobs';
import { restorePayload } from './restore';

/**
 * Moving one tenant between Tenantry instances (`npm run tenant:export` / `tenant:import`):
 * the tenant's backup file, sealed with an operator's passphrase instead of the tenant's key
 * (key material never leaves its instance), written to disk, and read back on the other side.
 */

const PLATFORM: Actor = { type: 'platform', id: null };

/** The registry plan an imported tenant starts on; the backup does not carry the plan. */
export const IMPORTED_TENANT_PLAN = 'free';

export type ExportResult = {
  tenantId: string;
  slug: string;
  backupId: string;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
  schemaVersion: number;
};

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The registry row of a tenant a restore is about to fill (plan IMPORTED_TENANT_PLAN): with the
 * backup's id for a tenant moved here, a new id for a copy. A taken slug is refused.
 */
export async function insertRestoredTenant(
  tx: Transaction,
  params: { id?: string; slug: string; name: string; takenHint: string },
): Promise<{ id: string; slug: string; plan: string }> {
  const [created] = await tx
    .insert(tenants)
    .values({
      ...(params.id ? { id: params.id } : {}),
      slug: params.slug,
      name: params.name,
      status: 'active',
      plan: IMPORTED_TENANT_PLAN,
    })
    .onConflictDoNothing({ target: tenants.slug })
    .returning({ id: tenants.id, slug: tenants.slug, plan: tenants.plan });
  if (!created) {
    const taken = slugTaken();
    throw new AppError(
      'slug_taken',
      `${taken.message.replace(/\.$/, '')}: “${params.slug}” is used by another tenant on this instance. ${params.takenHint}`,
      { fieldErrors: taken.fieldErrors },
    );
  }
  return created;
}

/**
 * Writes the tenant's backup, sealed with `passphrase`, to `out` (mode 0600): refused when the
 * file exists unless `force`. The export is audited in the tenant's trail (`backup.exported`)
 * once the file is written; should that fail, the file is removed again.
 */
export async function exportTenant(params: {
  slug: string;
  out: string;
  passphrase: string;
  force?: boolean;
  database?: Database;
}): Promise<ExportResult> {
  const seal = passphraseSeal(params.passphrase);
  const out = path.resolve(params.out);
  if (!params.force && fs.existsSync(out))
    throw new AppError('conflict', `${out} exists. Choose another file, or pass --force.`);
  const [tenant] = await withPlatform(
    (tx) =>
      tx
        .select({ id: tenants.id, slug: tenants.slug })
        .from(tenants)
        .where(eq(tenants.slug, params.slug.trim().toLowerCase())),
    params.database,
  );
  if (!tenant) throw new AppError('not_found', `No tenant has the slug “${params.slug}”.`);

  const backupId = randomUUID();
  const built = await buildBackupFile(tenant.id, {
    backupId,
    createdAt: new Date(),
    seal,
    database: params.database,
  });
  const sha256 = sha256Hex(built.file);
  writePrivateFile(out, built.file, params.force ?? false);
  try {
    await withPlatform(
      (tx) =>
        recordAudit(tx, {
          tenantId: tenant.id,
          actor: PLATFORM,
          action: 'backup.exported',
          target: { type: 'backup', id: backupId },
          metadata: { sha256, bytes: built.file.length },
        }),
      params.database,
    );
  } catch (error) {
    fs.rmSync(out, { force: true });
    throw error;
  }
  return {
    tenantId: tenant.id,
    slug: tenant.slug,
    backupId,
    file: out,
    rows: built.rows,
    bytes: built.file.length,
    sha256,
    schemaVersion: built.schemaVersion,
  };
}

/**
 * Readable by its owner only. Without `force` the file is created exclusively (an existing file,
 * even one made meanwhile, is never overwritten); with it, a temporary file in the same
 * directory replaces the old one in one rename, so a failed write never leaves half a file.
 */
function writePrivateFile(file: string, bytes: Buffer, force: boolean): void {
  try {
    if (!force) {
      fs.writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
      return;
    }
    const temporary = `${file}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      fs.writeFileSync(temporary, bytes, { mode: 0o600, flag: 'wx' });
      fs.renameSync(temporary, file);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw error;
    }
  } catch (error) {
    if (errnoOf(error) === 'EEXIST')
      throw new AppError('conflict', `${file} exists. Choose another file, or pass --force.`);
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'EACCES')
      throw new AppError(
        'invalid_input',
        `Cannot write ${file}: ${errnoOf(error) === 'ENOENT' ? 'its directory does not exist' : 'permission denied'}.`,
      );
    throw error;
  }
}

export type ImportResult = {
  /**
   * `created`: the backup's tenant was not on this instance; made with the same id.
   * `replaced`: it was, and its data was replaced (`replace`). `cloned`: copied into a new tenant.
   */
  action: 'created' | 'replaced' | 'cloned';
  tenantId: string;
  slug: string;
  name: string;
  plan: string;
  rows: number;
  backupId: string;
  source: { tenantId: string; slug: string };
  schemaVersion: number;
  sha256: string;
};

/**
 * Restores a backup file on this instance, all in one platform transaction (registry row,
 * restore, audit event), so a refusal or failure leaves nothing behind:
 *
 * - the backup's tenant id is on this instance: refused unless `replace` (its data is replaced,
 *   restore mode `replace`) or `slug` (a NEW tenant with that slug gets a copy, mode `clone`:
 *   every row gets a new id, so the original keeps its own);
 * - it is not: the registry row is created with the backup's id (slug and name from the backup
 *   unless given, plan `free`), then restored with mode `replace`, not `clone`. Replace keeps
 *   every row's id (API keys, links, the audit chain stay what they were, which is what moving
 *   a tenant means), and on a tenant that has just been created its deletes find nothing. Clone
 *   would remap every id and drop the credentials and billing history (`clone: false` tables).
 *
 * A file sealed with a passphrase needs it; one sealed with a tenant key only opens on the
 * instance holding that key. Accounts are matched by e-mail (created when missing).
 */
export async function importTenant(params: {
  file: string;
  passphrase?: string;
  slug?: string;
  name?: string;
  replace?: boolean;
  database?: Database;
}): Promise<ImportResult> {
  if (params.replace && params.slug !== undefined)
    throw new AppError(
      'invalid_input',
      'Give either --replace (overwrite the tenant) or --slug (import a copy), not both.',
    );
  const slug = params.slug === undefined ? undefined : parseField(slugSchema, params.slug, 'slug');
  const name =
    params.name === undefined ? undefined : parseField(tenantNameSchema, params.name, 'name');

  let file: Buffer;
  try {
    file = fs.readFileSync(params.file);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT')
      throw new AppError('not_found', `No file at ${path.resolve(params.file)}.`);
    if (errnoOf(error) === 'EISDIR')
      throw new AppError('invalid_input', `${path.resolve(params.file)} is a directory.`);
    throw error;
  }
  // Checked before any key work or database transaction: format, length, checksum.
  const { header } = readArchive(file);
  let key: Buffer | undefined;
  if (header.seal.kind === 'passphrase') {
    if (!params.passphrase)
      throw new AppError(
        'invalid_input',
        'This backup is sealed with a passphrase: give the passphrase it was exported with.',
      );
    // scrypt (~0.1 s) before the transaction, so that holds no connection meanwhile.
    key = passphraseKey(params.passphrase, header.seal);
  }
  const sha256 = sha256Hex(file);

  return withPlatform(async (tx) => {
    const opened = await openBackupFile(tx, file, key);
    const { payload, backupId } = opened;
    const source = { tenantId: payload.tenant.id, slug: payload.tenant.slug };
    const [existing] = await tx
      .select({ id: tenants.id, slug: tenants.slug, name: tenants.name, plan: tenants.plan })
      .from(tenants)
      .where(eq(tenants.id, payload.tenant.id));

    let action: ImportResult['action'];
    let target: { id: string; slug: string; plan: string };
    if (existing && params.replace) {
      action = 'replaced';
      target = existing;
    } else if (existing && !slug) {
      throw new AppError(
        'conflict',
        `Tenant ${existing.slug} (${existing.id}) is already on this instance. Pass --replace to replace its data with the backup's, or --slug <new-slug> to import a copy as a new tenant.`,
      );
    } else {
      action = existing ? 'cloned' : 'created';
      target = await insertRestoredTenant(tx, {
        // A copy next to the original gets a new id; a moved tenant keeps its own.
        id: existing ? undefined : payload.tenant.id,
        slug: slug ?? payload.tenant.slug,
        name: name ?? String(payload.tenant.name),
        takenHint: 'Choose another with --slug.',
      });
    }

    const rows = await restorePayload(tx, payload, {
      mode: action === 'cloned' ? 'clone' : 'replace',
      tenantId: target.id,
    });
    // A tenant moved from another instance starts on this one's billing: the account row it
    // brought names the other instance's plan and Stripe customer (its invoices stay as history).
    if (action === 'created')
      await tx.execute(sql`delete from billing_accounts where tenant_id = ${target.id}`);
    // The restore set the backup's name; a name given on the command line wins.
    if (name !== undefined)
      await tx
        .update(tenants)
        .set({ name, updatedAt: sql`now()` })
        .where(eq(tenants.id, target.id));
    const [final] = await queryRows<{ name: string }>(
      tx,
      sql`select name from tenants where id = ${target.id}`,
    );
    // Last: the audit chain of a restored tenant is rebuilt first, this event goes on its end.
    await recordAudit(tx, {
      tenantId: target.id,
      actor: PLATFORM,
      action: 'backup.imported',
      target: { type: 'backup', id: backupId },
      metadata: {
        action,
        rows,
        sha256,
        schemaVersion: payload.schemaVersion,
        sourceTenantId: source.tenantId,
        sourceSlug: source.slug,
      },
    });
    return {
      action,
      tenantId: target.id,
      slug: target.slug,
      name: final!.name,
      plan: target.plan,
      rows,
      backupId,
      source,
      schemaVersion: payload.schemaVersion,
      sha256,
    };
  }, params.database);
}

function parseField<T>(schema: z.ZodType<T>, value: string, field: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'Not valid.';
  throw new AppError('invalid_input', `--${field} “${value}”: ${message}`, {
    fieldErrors: { [field]: [message] },
  });
}

/**
 * An operator's clone (console): a ready backup of one tenant restored into a new tenant with
 * new ids, in the caller's platform transaction, audited in the new tenant's trail.
 */
export async function cloneBackup(
  tx: Transaction,
  params: {
    sourceTenantId: string;
    backupId: string;
    slug: string;
    name: string;
    actor: Actor;
    request?: RequestMeta;
  },
): Promise<{ tenantId: string; slug: string; rows: number }> {
  const [backup] = await queryRows<{ archive: Uint8Array }>(
    tx,
    sql`select archive from tenant_backups
        where id = ${params.backupId} and tenant_id = ${params.sourceTenantId} and status = 'ready'`,
  );
  if (!backup) throw new AppError('not_found', 'This backup does not exist or is not ready.');
  const { payload } = await openBackupFile(tx, backup.archive);
  const target = await insertRestoredTenant(tx, {
    slug: params.slug,
    name: params.name,
    takenHint: 'Choose another address.',
  });
  const rows = await restorePayload(tx, payload, { mode: 'clone', tenantId: target.id });
  await tx
    .update(tenants)
    .set({ name: params.name, updatedAt: sql`now()` })
    .where(eq(tenants.id, target.id));
  await recordAudit(tx, {
    tenantId: target.id,
    actor: params.actor,
    action: 'backup.cloned',
    target: { type: 'backup', id: params.backupId },
    metadata: { rows, sourceTenantId: params.sourceTenantId, schemaVersion: payload.schemaVersion },
    request: params.request,
  });
  return { tenantId: target.id, slug: target.slug, rows };
}
