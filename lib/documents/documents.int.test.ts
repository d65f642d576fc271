import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import {
  createDocument,
  createDocumentInput,
  deleteDocument,
  getDocument,
  listDocuments,
  updateDocument,
} from './documents';
import { loadDocumentOr404, loadDocumentPage } from './page-data';

let handle: DatabaseHandle;
let acme: { id: string };
let globex: { id: string };
let author: { userId: string };

const actor = () => ({ type: 'user' as const, id: author.userId });

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant();
  globex = await createTenant();
  author = await createMember(acme.id, { role: 'member', name: 'Ada' });
});

afterAll(() => teardownTestDatabase(handle));

describe('documents', () => {
  it('creates, reads, updates and deletes, auditing each change in the same transaction', async () => {
    const { id } = await withTenant(acme.id, (tx) =>
      createDocument(tx, {
        tenantId: acme.id,
        actor: actor(),
        request: { requestId: 'req-1' },
        title: 'Plan',
        body: 'Ship it',
      }),
    );
    const created = await withTenant(acme.id, (tx) => getDocument(tx, { tenantId: acme.id, id }));
    expect(created).toMatchObject({
      id,
      title: 'Plan',
      body: 'Ship it',
      authorId: author.userId,
      authorName: 'Ada',
    });

    await withTenant(acme.id, (tx) =>
      updateDocument(tx, { tenantId: acme.id, actor: actor(), id, title: 'Plan B', body: '' }),
    );
    const updated = await withTenant(acme.id, (tx) => getDocument(tx, { tenantId: acme.id, id }));
    expect(updated.title).toBe('Plan B');
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

    await withTenant(acme.id, (tx) =>
      deleteDocument(tx, { tenantId: acme.id, actor: actor(), id }),
    );
    await expect(
      withTenant(acme.id, (tx) => getDocument(tx, { tenantId: acme.id, id })),
    ).rejects.toMatchObject({ code: 'not_found' });

    const trail = await withTenant(acme.id, (tx) => listAuditEvents(tx, { tenantId: acme.id }));
    const forDoc = trail.filter((e) => e.targetId === id).map((e) => e.action);
    expect(forDoc.sort()).toEqual(['document.created', 'document.deleted', 'document.updated']);
    expect(trail.find((e) => e.action === 'document.created' && e.targetId === id)).toMatchObject({
      actorType: 'user',
      actorId: author.userId,
      requestId: 'req-1',
    });
  });

  it('answers not_found for another tenant’s document on read, update and delete', async () => {
    const { id } = await withTenant(globex.id, (tx) =>
      createDocument(tx, {
        tenantId: globex.id,
        actor: { type: 'system', id: null },
        title: 'Secret',
        body: '',
      }),
    );
    await expect(
      withTenant(acme.id, (tx) => getDocument(tx, { tenantId: acme.id, id })),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      withTenant(acme.id, (tx) =>
        updateDocument(tx, { tenantId: acme.id, actor: actor(), id, title: 'x', body: '' }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      withTenant(acme.id, (tx) => deleteDocument(tx, { tenantId: acme.id, actor: actor(), id })),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    // Even asking with globex's id as the filter, acme's transaction sees nothing.
    await expect(
      withTenant(acme.id, (tx) => getDocument(tx, { tenantId: globex.id, id })),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(
      (await withTenant(globex.id, (tx) => getDocument(tx, { tenantId: globex.id, id }))).title,
    ).toBe('Secret');
  });

  it('pages through a tenant’s documents newest first without gaps or repeats', async () => {
    const tenant = await createTenant();
    await withTenant(tenant.id, async (tx) => {
      for (let i = 0; i < 7; i++) {
        await createDocument(tx, {
          tenantId: tenant.id,
          actor: { type: 'system', id: null },
          title: `Doc ${i}`,
          body: '',
        });
      }
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await withTenant(tenant.id, (tx) =>
        listDocuments(tx, { tenantId: tenant.id, cursor, limit: 3 }),
      );
      seen.push(...page.data.map((d) => d.title));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    // Created in one transaction, the rows share updated_at; the id breaks the tie stably.
    expect(seen).toHaveLength(7);
  });

  it('refuses a forged cursor as invalid input', async () => {
    await expect(
      withTenant(acme.id, (tx) =>
        listDocuments(tx, { tenantId: acme.id, cursor: 'not-a-cursor', limit: 5 }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const bad = Buffer.from(
      JSON.stringify(['yesterday', '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url');
    await expect(
      withTenant(acme.id, (tx) => listDocuments(tx, { tenantId: acme.id, cursor: bad, limit: 5 })),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('validates titles and bodies', () => {
    expect(createDocumentInput.safeParse({ title: '   ' }).success).toBe(false);
    expect(createDocumentInput.safeParse({ title: 'x'.repeat(201) }).success).toBe(false);
    expect(createDocumentInput.safeParse({ title: 'ok', body: 'x'.repeat(100_001) }).success).toBe(
      false,
    );
    expect(createDocumentInput.parse({ title: ' ok ' })).toEqual({ title: 'ok', body: '' });
  });

  it('gives pages a 404 for malformed ids and other tenants’ documents', async () => {
    const { id } = await withTenant(globex.id, (tx) =>
      createDocument(tx, {
        tenantId: globex.id,
        actor: { type: 'system', id: null },
        title: 'Hidden',
        body: '',
      }),
    );
    const reader = { actor: actor() };
    await expect(loadDocumentOr404({ tenantId: acme.id, id: 'nope', ...reader })).rejects.toThrow(
      'NEXT_HTTP_ERROR_FALLBACK;404',
    );
    await expect(loadDocumentOr404({ tenantId: acme.id, id, ...reader })).rejects.toThrow(
      'NEXT_HTTP_ERROR_FALLBACK;404',
    );
    expect((await loadDocumentOr404({ tenantId: globex.id, id, ...reader })).title).toBe('Hidden');
    // Anything but a missing document is an error, not a 404.
    await expect(loadDocumentOr404({ tenantId: 'not-a-tenant', id, ...reader })).rejects.toThrow(
      'withTenant needs a tenant id',
    );
    await expect(
      loadDocumentPage({ tenantId: 'not-a-tenant', query: {}, ...reader }),
    ).rejects.toThrow('withTenant needs a tenant id');
  });

  it('loads a list page from the URL query, and answers null for a forged cursor', async () => {
    await withTenant(acme.id, async (tx) => {
      for (const title of ['One', 'Two'])
        await createDocument(tx, { tenantId: acme.id, actor: actor(), title, body: '' });
    });
    const load = (query: Record<string, string>) =>
      loadDocumentPage({ tenantId: acme.id, actor: actor(), query });
    const first = await load({ limit: '1' });
    expect(first.page?.data).toHaveLength(1);
    expect(await load({ cursor: 'forged' })).toEqual({
      page: null,
      cursor: 'forged',
    });
    const fallback = await load({ limit: 'lots' });
    expect(fallback.page?.data.length).toBeGreaterThan(0);
  });
});
