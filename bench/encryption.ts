/**
 * `npm run bench -- --only encryption` — what per-tenant field encryption costs a document:
 * a create + read pair with titles and bodies sealed (AES-256-GCM under the tenant's data key,
 * lib/crypto) against the same pair storing plaintext.
 *
 *   encrypted  createDocument then getDocument (lib/documents/documents.ts), unchanged, each in
 *              its own withTenant transaction: the keyring loaded (writingKeyring locks the
 *              active key row FOR KEY SHARE; readingKeyring reads without a lock), title and
 *              body sealed on the way in and opened on the way out;
 *   plain      the same transactions minus the keyring: the same drizzle statements
 *              createDocument runs (assertBelowLimit, assertWithinAllowances, the INSERT, the
 *              document.created audit row) and getDocument runs (the SELECT by id with the
 *              author join), storing and returning plaintext.
 *
 * Data: BENCH_ENCRYPTION_TENANTS tenants (default 50) × 100 documents of the isolation dataset
 * (bench/dataset.ts), moved to the pro plan so the document limit (10,000) is counted, as for a
 * paying tenant, but never reached. Every tenant's data key exists before timing (created on a
 * tenant's first sealed write, which the measurement does not include), and every tenant runs
 * both variants once untimed; then BENCH_ENCRYPTION_WARMUP (50) untimed rounds and
 * BENCH_ENCRYPTION_ROUNDS (400) measured rounds, interleaved by bench/runner.ts: each round
 * picks a tenant at random and runs both pairs on it, in alternating order (AB, BA, …).
 *
 * Each document: a title of about 40 characters and a body of BENCH_ENCRYPTION_BODY_BYTES
 * (2,048) characters of generated prose, new for every document. Before timing the section
 * checks that both variants read back what they wrote and that only the encrypted one stored
 * sealed values. It also times the crypto alone (keyring.seal and keyring.open of a title and a
 * body, no database) for context.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { documents, users } from '@/db/schema';
import { queryRows, withPlatform, withTenant } from '@/db/scope';
import { recordAudit, type Actor } from '@/lib/audit';
import { isSealed, writingKeyring, type Keyring } from '@/lib/crypto';
// The module itself, not lib/documents/index.ts (page helpers that import next/navigation).
import { createDocument, getDocument, type DocumentDTO } from '@/lib/documents/documents';
import { assertWithinAllowances } from '@/lib/metering';
import { assertBelowLimit } from '@/lib/tenancy';
import { shortStatement, takeCensus } from './census';
import { BENCH_DATABASE, type BenchConfig } from './config';
import { openBenchDatabase, type BenchDatabase } from './database';
import { datasetStatements, tenantIdsSql } from './dataset';
import { line, loadAverage, plural } from './print';
import { interleave, percentile, random, type Variant } from './runner';

const DOCUMENTS_PER_TENANT = 100;
const CRYPTO_ITERATIONS = 5000;
const CRYPTO_WARMUP = 500;
const WORDS = (
  'the tenant report quarterly budget review project plan draft meeting notes customer ' +
  'contract invoice renewal support ticket release schedule migration database backup policy ' +
  'security audit access control onboarding checklist roadmap milestone feedback summary ' +
  'decision owner deadline status update risk estimate scope design proposal approval team ' +
  'with for and of to in on by from after before about which will should must can this that'
).split(' ');

type Options = { tenants: number; rounds: number; warmup: number; bodyBytes: number };
type Content = { title: string; body: string };
type Author = { tenantId: string; actor: Actor };
type Stats = { median: number; p95: number };
/** One side of the comparison: a create transaction and a read transaction. */
type Side = {
  key: 'plain' | 'encrypted';
  label: string;
  create(author: Author, content: Content): Promise<{ id: string }>;
  read(tenantId: string, id: string): Promise<DocumentDTO>;
};

function readOptions(source: NodeJS.ProcessEnv = process.env): Options {
  const int = (name: string, fallback: number) => {
    const value = source[name]?.trim();
    if (!value) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new Error(`${name} must be a positive integer (got "${value}").`);
    return parsed;
  };
  return {
    tenants: int('BENCH_ENCRYPTION_TENANTS', 50),
    rounds: int('BENCH_ENCRYPTION_ROUNDS', 400),
    warmup: int('BENCH_ENCRYPTION_WARMUP', 50),
    bodyBytes: int('BENCH_ENCRYPTION_BODY_BYTES', 2048),
  };
}

const stats = (samples: number[]): Stats => ({
  median: percentile(samples, 0.5),
  p95: percentile(samples, 0.95),
});
const micros = (started: bigint) => Number(process.hrtime.bigint() - started) / 1000;

/** Prose-like text of exactly `length` characters (ASCII), different for every `rng` state. */
function prose(rng: () => number, length: number): string {
  let text = '';
  while (text.length < length) {
    const words = 6 + Math.floor(rng() * 10);
    const sentence = Array.from(
      { length: words },
      () => WORDS[Math.floor(rng() * WORDS.length)]!,
    ).join(' ');
    text += `${sentence[0]!.toUpperCase()}${sentence.slice(1)}. `;
  }
  return text.slice(0, length);
}

function contentSource(seed: number, bodyBytes: number): () => Content {
  const rng = random(seed);
  let n = 0;
  return () => {
    n += 1;
    return {
      title: `${prose(rng, 32).trim()} #${String(n).padStart(5, '0')}`,
      body: prose(rng, bodyBytes),
    };
  };
}

// ─── The plain side: createDocument / getDocument without the keyring ──────────────────────────

/** createDocument's statements, in its order, with the plaintext stored as it is. */
async function createPlainDocument(
  tx: Transaction,
  params: Author & Content,
): Promise<{ id: string }> {
  await assertBelowLimit(tx, { tenantId: params.tenantId, limit: 'documents' });
  await assertWithinAllowances(tx, params.tenantId, ['storage_bytes']);
  const id = randomUUID();
  const [row] = await tx
    .insert(documents)
    .values({
      id,
      tenantId: params.tenantId,
      authorId: params.actor.type === 'user' ? params.actor.id : null,
      title: params.title,
      body: params.body,
    })
    .returning({ id: documents.id });
  if (!row) throw new Error('insert returned no row');
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'document.created',
    target: { type: 'document', id: row.id },
    metadata: { title: params.title },
  });
  return row;
}

/** getDocument's statement, the stored values returned as they are. */
async function getPlainDocument(
  tx: Transaction,
  params: { tenantId: string; id: string },
): Promise<DocumentDTO> {
  const [row] = await tx
    .select({
      id: documents.id,
      title: documents.title,
      authorName: users.name,
      createdAt: documents.createdAt,
      updatedAt: documents.updatedAt,
      body: documents.body,
      authorId: documents.authorId,
    })
    .from(documents)
    .leftJoin(users, eq(users.id, documents.authorId))
    .where(and(eq(documents.tenantId, params.tenantId), eq(documents.id, params.id)));
  if (!row) throw new Error('document not found');
  return row;
}

function sides(bench: BenchDatabase): Side[] {
  const db = bench.app.db;
  return [
    {
      key: 'plain',
      label: 'plain: same statements, no keyring, plaintext stored',
      create: (author, content) =>
        withTenant(author.tenantId, (tx) => createPlainDocument(tx, { ...author, ...content }), db),
      read: (tenantId, id) =>
        withTenant(tenantId, (tx) => getPlainDocument(tx, { tenantId, id }), db),
    },
    {
      key: 'encrypted',
      label: 'encrypted: createDocument + getDocument (lib/documents)',
      create: (author, content) =>
        withTenant(author.tenantId, (tx) => createDocument(tx, { ...author, ...content }), db),
      read: (tenantId, id) => withTenant(tenantId, (tx) => getDocument(tx, { tenantId, id }), db),
    },
  ];
}

// ─── The section ────────────────────────────────────────────────────────────────────────────────

export async function encryptionBench(config: BenchConfig): Promise<void> {
  const options = readOptions();
  line('\n══ encryption: documents with per-tenant field encryption vs plaintext ══');
  const statements = [
    ...datasetStatements(options.tenants, DOCUMENTS_PER_TENANT),
    `begin; set local role tenantry_platform; update tenants set plan = 'pro' where slug like 'bench-%'; commit`,
  ];
  const bench = await openBenchDatabase(config, { dataset: { statements, tenantIdsSql } });
  try {
    await report(config, options, bench);
  } finally {
    await bench.close();
  }
}

async function report(config: BenchConfig, options: Options, bench: BenchDatabase): Promise<void> {
  const db = bench.app.db;
  line(
    `server:  ${bench.serverVersion}${bench.driver === 'pglite' ? '' : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
  );
  line(
    `dataset: ${options.tenants} tenants (pro plan) × ${DOCUMENTS_PER_TENANT} documents, loaded + VACUUM ANALYZE in ${bench.loadSeconds.toFixed(1)} s; ` +
      `each new document: a title of ~40 characters and a ${options.bodyBytes.toLocaleString('en')}-character body of generated prose`,
  );
  line(
    `rounds:  ${options.rounds} per variant after ${options.warmup} warm-up rounds, interleaved (AB, BA, …); seed ${config.seed} ` +
      `(BENCH_ENCRYPTION_ROUNDS, BENCH_ENCRYPTION_WARMUP, BENCH_ENCRYPTION_TENANTS, BENCH_ENCRYPTION_BODY_BYTES, BENCH_SEED)`,
  );
  line(`load:    ${loadAverage()} (1, 5, 15 min load average on ${os.cpus().length} cores)`);
  for (const note of bench.notes) line(`note:    ${note}`);

  // Each tenant's owner writes (createDocument records the user as author and audit actor).
  const owners = await withPlatform(
    (tx) =>
      queryRows<{ tenant_id: string; user_id: string }>(
        tx,
        sql`select tenant_id, user_id from memberships where role = 'owner'`,
      ),
    db,
  );
  const authorOf = new Map(owners.map((row) => [row.tenant_id, row.user_id]));
  const author = (tenantId: string): Author => {
    const userId = authorOf.get(tenantId);
    if (!userId) throw new Error(`tenant ${tenantId} has no owner`);
    return { tenantId, actor: { type: 'user', id: userId } };
  };

  // Every tenant's data key, created as its first sealed write would (untimed).
  const keyStarted = performance.now();
  for (const tenantId of bench.tenantIds)
    await withTenant(tenantId, (tx) => writingKeyring(tx, tenantId), db);
  line(
    `keys:    a data key for each of the ${options.tenants} tenants (writingKeyring, untimed) in ${((performance.now() - keyStarted) / 1000).toFixed(1)} s`,
  );

  const both = sides(bench);
  const next = contentSource(config.seed, options.bodyBytes);
  const probe = bench.tenantIds[0]!;

  // Both sides must read back what they wrote; only the encrypted one may store sealed values.
  const stored = async (id: string) =>
    (
      await withPlatform(
        (tx) =>
          queryRows<{ title: string; body: string; title_bytes: number; body_bytes: number }>(
            tx,
            sql`select title, body, pg_column_size(title) as title_bytes, pg_column_size(body) as body_bytes
                from documents where id = ${id}`,
          ),
        db,
      )
    )[0]!;
  const sizes: string[] = [];
  for (const side of both) {
    const content = next();
    const { id } = await side.create(author(probe), content);
    const read = await side.read(probe, id);
    if (read.title !== content.title || read.body !== content.body)
      throw new Error(`${side.key}: the document read back differs from the one written`);
    const row = await stored(id);
    const sealed = isSealed(row.title) && isSealed(row.body);
    if (
      side.key === 'encrypted' ? !sealed : row.title !== content.title || row.body !== content.body
    )
      throw new Error(`${side.key}: the stored title/body are not what this side should store`);
    sizes.push(
      `${side.key} ${row.title.length} + ${row.body.length.toLocaleString('en')} characters (${row.title_bytes} + ${Number(row.body_bytes).toLocaleString('en')} bytes stored)`,
    );
  }
  line(
    `check:   both sides read back what they wrote; only the encrypted side stores sealed values ✓`,
  );
  line(`stored:  title + body: ${sizes.join(' · ')}`);

  // What each transaction sends (outside the timed runs).
  line(
    '\nStatements per transaction (counted at the driver, one call each, outside the timed runs):',
  );
  for (const side of both) {
    let id = '';
    const create = await takeCensus(bench.pglite, async () => {
      id = (await side.create(author(probe), next())).id;
    });
    const read = await takeCensus(bench.pglite, () => side.read(probe, id));
    line(
      `  ${side.label}: create ${plural(create.statements.length, 'statement')}, read ${plural(read.statements.length, 'statement')}`,
    );
    if (side.key === 'encrypted') {
      for (const text of create.statements.filter((t) => /tenant_keys/.test(t)))
        line(`      create + ${shortStatement(text, 92)}`);
      for (const text of read.statements.filter((t) => /tenant_keys/.test(t)))
        line(`      read   + ${shortStatement(text, 92)}`);
    }
  }

  // Timed parts, kept per side; the runner gets the create + read pair.
  const parts = new Map(
    both.map((side) => [side.key, { create: [] as number[], read: [] as number[] }]),
  );
  let recording = false;
  const variants: Variant[] = both.map((side) => ({
    key: side.key,
    label: side.label,
    run: async (tenantId) => {
      const content = next();
      const started = process.hrtime.bigint();
      const { id } = await side.create(author(tenantId), content);
      const created = process.hrtime.bigint();
      await side.read(tenantId, id);
      const createMicros = Number(created - started) / 1000;
      const total = micros(started);
      if (recording) {
        parts.get(side.key)!.create.push(createMicros);
        parts.get(side.key)!.read.push(total - createMicros);
      }
      return total;
    },
  }));

  // Warm-up: every tenant once on each side (its key unwrapped and cached, its allowances cached),
  // then the warm-up rounds; the runner's own warm-up is left at 0 so the parts hold only timed rounds.
  const warmStarted = performance.now();
  for (const tenantId of bench.tenantIds)
    for (const variant of variants) await variant.run(tenantId);
  const rng = random(config.seed);
  await interleave(variants, bench.tenantIds, { rounds: options.warmup, warmup: 0, rng });
  line(
    `\nwarm-up: every tenant once per side + ${options.warmup} interleaved rounds (${((performance.now() - warmStarted) / 1000).toFixed(1)} s)`,
  );
  recording = true;
  const started = performance.now();
  const measured = await interleave(variants, bench.tenantIds, {
    rounds: options.rounds,
    warmup: 0,
    rng,
  });
  const seconds = (performance.now() - started) / 1000;
  recording = false;

  const plain = { pair: measured.stats[0]!, ...parts.get('plain')! };
  const encrypted = { pair: measured.stats[1]!, ...parts.get('encrypted')! };
  const createPlain = stats(plain.create);
  const createSealed = stats(encrypted.create);
  const readPlain = stats(plain.read);
  const readSealed = stats(encrypted.read);

  line(`\ncreate + read of one document — ${measured.rounds} rounds in ${seconds.toFixed(1)} s`);
  const rows: Array<[string, Stats, Stats]> = [
    ['create + read (two withTenant transactions)', plain.pair, encrypted.pair],
    ['  create (createDocument)', createPlain, createSealed],
    ['  read (getDocument)', readPlain, readSealed],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  line(
    `  ${'µs'.padEnd(width)}  ${'plain median'.padStart(12)}  ${'p95'.padStart(8)}  ${'encrypted median'.padStart(16)}  ${'p95'.padStart(8)}  ${'ratio'.padStart(6)}`,
  );
  for (const [label, a, b] of rows) {
    line(
      `  ${label.padEnd(width)}  ${a.median.toFixed(1).padStart(12)}  ${a.p95.toFixed(1).padStart(8)}  ${b.median.toFixed(1).padStart(16)}  ${b.p95.toFixed(1).padStart(8)}  ${`${(b.median / a.median).toFixed(2)}x`.padStart(6)}`,
    );
  }
  line(
    `  ratio = encrypted median ÷ plain median; paired (median of per-round ratios) for the pair: ${measured.pairedRatio[1]!.toFixed(2)}x`,
  );

  // The crypto alone, for context: the keyring a write loads, no database.
  const keyring = await withTenant(probe, (tx) => writingKeyring(tx, probe), db);
  const crypto = cryptoCost(keyring, next(), options.bodyBytes);
  line(
    `\nthe crypto alone (keyring.seal / keyring.open in process, no database; ${CRYPTO_ITERATIONS.toLocaleString('en')} times each after ${CRYPTO_WARMUP} untimed):`,
  );
  for (const [label, value] of crypto)
    line(
      `  ${label.padEnd(52)}  median ${value.median.toFixed(1).padStart(6)} µs  p95 ${value.p95.toFixed(1).padStart(6)} µs`,
    );

  const ratio = encrypted.pair.median / plain.pair.median;
  const perDocument = crypto.at(-1)![1].median;
  line('');
  line(
    `encryption_overhead ${ratio.toFixed(2)}x (create + read, median ${encrypted.pair.median.toFixed(0)} µs encrypted vs ${plain.pair.median.toFixed(0)} µs plain; ` +
      `paired ${measured.pairedRatio[1]!.toFixed(2)}x; no target)`,
  );
  line(
    `  of the ${(encrypted.pair.median - plain.pair.median).toFixed(0)} µs difference, the sealing and opening themselves take ~${perDocument.toFixed(0)} µs; ` +
      `the rest is the keyring (its tenant_keys statement in each transaction) and the larger stored values`,
  );
}

/** Median and p95 of sealing and opening a title and a body of the given size, one call each. */
function cryptoCost(keyring: Keyring, content: Content, bodyBytes: number): Array<[string, Stats]> {
  const rowId = randomUUID();
  const at = {
    title: { table: 'documents', column: 'title', rowId },
    body: { table: 'documents', column: 'body', rowId },
  } as const;
  const sealedTitle = keyring.seal(content.title, at.title);
  const sealedBody = keyring.seal(content.body, at.body);
  const timings = {
    sealBody: [] as number[],
    openBody: [] as number[],
    sealOpenBody: [] as number[],
    document: [] as number[],
  };
  for (let i = 0; i < CRYPTO_WARMUP + CRYPTO_ITERATIONS; i += 1) {
    const started = process.hrtime.bigint();
    keyring.seal(content.body, at.body);
    const sealed = process.hrtime.bigint();
    keyring.open(sealedBody, at.body);
    const opened = process.hrtime.bigint();
    keyring.open(keyring.seal(content.title, at.title), at.title);
    keyring.open(keyring.seal(content.body, at.body), at.body);
    const documentMicros = micros(opened);
    if (i < CRYPTO_WARMUP) continue;
    timings.sealBody.push(Number(sealed - started) / 1000);
    timings.openBody.push(Number(opened - sealed) / 1000);
    timings.sealOpenBody.push(Number(opened - started) / 1000);
    timings.document.push(documentMicros);
  }
  if (keyring.open(sealedTitle, at.title) !== content.title) throw new Error('seal/open mismatch');
  const size = `${bodyBytes.toLocaleString('en')}-character body`;
  return [
    [`seal a ${size}`, stats(timings.sealBody)],
    [`open a ${size}`, stats(timings.openBody)],
    [`seal + open a ${size}`, stats(timings.sealOpenBody)],
    ['seal + open a title and a body (one document)', stats(timings.document)],
  ];
}
