import 'server-only';
import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import { documents, users, type ActivityChannel } from '@/db/schema';
import { recordAccess, type ActivityRequest } from '@/lib/activity';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { readingKeyring, writingKeyring, type Keyring } from '@/lib/crypto';
import { AppError } from '@/lib/errors';
import { assertWithinAllowances } from '@/lib/metering';
import { assertBelowLimit } from '@/lib/tenancy';

export * from './schemas';
import type { CreateDocumentInput, UpdateDocumentInput } from './schemas';

export type DocumentSummaryDTO = {
  id: string;
  title: string;
  authorName: string | null;
  createdAt: Date;
  updatedAt: Date;
};
export type DocumentDTO = DocumentSummaryDTO & { body: string; authorId: string | null };
export type DocumentPage = { data: DocumentSummaryDTO[]; nextCursor: string | null };

type Scope = { tenantId: string };
type Mutation = Scope & { actor: Actor; request?: RequestMeta };
/** Someone reading documents, and through which channel: each read goes to the access log. */
export type DocumentReader = Scope & {
  actor: Actor;
  channel: ActivityChannel;
  request?: ActivityRequest;
};

// Keyset cursor: the row's exact updated_at (as Postgres text, keeping microseconds) and id.
function encodeCursor(updatedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const [updatedAt, id] = z
      .tuple([z.string().min(1).max(64), z.guid()])
      .parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (Number.isNaN(Date.parse(updatedAt))) throw new Error('bad timestamp');
    return { updatedAt, id };
  } catch {
    throw new AppError('invalid_input', 'The cursor is not valid.', {
      fieldErrors: { cursor: ['Not a valid cursor.'] },
    });
  }
}

const summaryColumns = {
  id: documents.id,
  title: documents.title,
  authorName: users.name,
  createdAt: documents.createdAt,
  updatedAt: documents.updatedAt,
};

export async function listDocuments(
  tx: Transaction,
  params: Scope & { cursor?: string; limit: number },
): Promise<DocumentPage> {
  const after = params.cursor ? decodeCursor(params.cursor) : undefined;
  const rows = await tx
    .select({ ...summaryColumns, cursorAt: sql<string>`${documents.updatedAt}::text` })
    .from(documents)
    .leftJoin(users, eq(users.id, documents.authorId))
    .where(
      and(
        eq(documents.tenantId, params.tenantId),
        after
          ? sql`(${documents.updatedAt}, ${documents.id}) < (${after.updatedAt}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(documents.updatedAt), desc(documents.id))
    .limit(params.limit + 1);

  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  const keyring = await readingKeyring(tx, params.tenantId);
  return {
    data: page.map(({ cursorAt: _cursorAt, ...summary }) => ({
      ...summary,
      title: openTitle(keyring, summary),
    })),
    nextCursor: rows.length > params.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
  };
}

// Title and body are sealed under the tenant's data key, bound to the document's id (lib/crypto).
function openTitle(keyring: Keyring, row: { id: string; title: string }): string {
  return keyring.open(row.title, { table: 'documents', column: 'title', rowId: row.id });
}

function sealContent(keyring: Keyring, id: string, content: { title: string; body: string }) {
  return {
    title: keyring.seal(content.title, { table: 'documents', column: 'title', rowId: id }),
    body: keyring.seal(content.body, { table: 'documents', column: 'body', rowId: id }),
  };
}

type DocumentAuditAction = 'document.created' | 'document.updated' | 'document.deleted';

function auditDocument(
  tx: Transaction,
  params: Mutation,
  action: DocumentAuditAction,
  id: string,
  title: string,
) {
  return recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action,
    target: { type: 'document', id },
    metadata: { title },
    request: params.request,
  });
}

export async function getDocument(
  tx: Transaction,
  params: Scope & { id: string },
): Promise<DocumentDTO> {
  const [row] = await tx
    .select({ ...summaryColumns, body: documents.body, authorId: documents.authorId })
    .from(documents)
    .leftJoin(users, eq(users.id, documents.authorId))
    .where(and(eq(documents.tenantId, params.tenantId), eq(documents.id, params.id)));
  if (!row) throw new AppError('not_found', 'Document not found.');
  const keyring = await readingKeyring(tx, params.tenantId);
  return {
    ...row,
    title: openTitle(keyring, row),
    body: keyring.open(row.body, { table: 'documents', column: 'body', rowId: row.id }),
  };
}

/**
 * A document as someone reads it (the web page, the API): `getDocument`, and the read recorded
 * in the access log (`document.viewed`) in the same transaction — one INSERT more. A missing id
 * throws `not_found` before anything is recorded.
 */
export async function viewDocument(
  tx: Transaction,
  params: DocumentReader & { id: string },
): Promise<DocumentDTO> {
  const document = await getDocument(tx, params);
  await recordAccess(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'document.viewed',
    channel: params.channel,
    target: { type: 'document', id: document.id },
    metadata: { title: document.title },
    request: params.request,
  });
  return document;
}

/**
 * A page of the list as someone reads it: `listDocuments`, and the read recorded in the access
 * log (`document.listed`, with the ids shown) in the same transaction — one INSERT more.
 */
export async function viewDocuments(
  tx: Transaction,
  params: DocumentReader & { cursor?: string; limit: number },
): Promise<DocumentPage> {
  const page = await listDocuments(tx, params);
  await recordAccess(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'document.listed',
    channel: params.channel,
    target: { type: 'document' },
    metadata: { count: page.data.length, ids: page.data.map((doc) => doc.id) },
    request: params.request,
  });
  return page;
}

export async function createDocument(
  tx: Transaction,
  params: Mutation & CreateDocumentInput,
): Promise<{ id: string }> {
  await assertBelowLimit(tx, { tenantId: params.tenantId, limit: 'documents' });
  await assertWithinAllowances(tx, params.tenantId, ['storage_bytes']);
  const id = randomUUID();
  const keyring = await writingKeyring(tx, params.tenantId);
  const [row] = await tx
    .insert(documents)
    .values({
      id,
      tenantId: params.tenantId,
      authorId: params.actor.type === 'user' ? params.actor.id : null,
      ...sealContent(keyring, id, params),
    })
    .returning({ id: documents.id });
  if (!row) throw new Error('insert returned no row');
  await auditDocument(tx, params, 'document.created', row.id, params.title);
  return row;
}

export async function updateDocument(
  tx: Transaction,
  params: Mutation & UpdateDocumentInput,
): Promise<{ id: string }> {
  const keyring = await writingKeyring(tx, params.tenantId);
  const [row] = await tx
    .update(documents)
    .set({ ...sealContent(keyring, params.id, params), updatedAt: sql`now()` })
    .where(and(eq(documents.tenantId, params.tenantId), eq(documents.id, params.id)))
    .returning({ id: documents.id });
  if (!row) throw new AppError('not_found', 'Document not found.');
  await auditDocument(tx, params, 'document.updated', row.id, params.title);
  return row;
}

export async function deleteDocument(
  tx: Transaction,
  params: Mutation & { id: string },
): Promise<void> {
  const [row] = await tx
    .delete(documents)
    .where(and(eq(documents.tenantId, params.tenantId), eq(documents.id, params.id)))
    .returning({ id: documents.id, title: documents.title });
  if (!row) throw new AppError('not_found', 'Document not found.');
  const keyring = await readingKeyring(tx, params.tenantId);
  await auditDocument(tx, params, 'document.deleted', row.id, openTitle(keyring, row));
}
