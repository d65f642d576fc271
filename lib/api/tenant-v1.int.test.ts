import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { withPlatform, withTenant } from '@/db/scope';
import { tenants } from '@/db/schema';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createApiKey, revokeApiKey, type ApiScope } from '@/lib/api-keys';
import { listAuditEvents } from '@/lib/audit';
import { eq } from 'drizzle-orm';
import * as collection from '@/app/api/v1/documents/route';
import * as item from '@/app/api/v1/documents/[id]/route';

let handle: DatabaseHandle;
type Tenant = { id: string; slug: string };
let acme: Tenant;
let globex: Tenant;
let acmeKey: string;
let globexKey: string;

const ALL: ApiScope[] = ['documents:read', 'documents:write', 'documents:delete'];

async function keyFor(tenant: Tenant, scopes: ApiScope[] = ALL, expiresAt?: Date) {
  return withTenant(tenant.id, (tx) =>
    createApiKey(tx, {
      tenantId: tenant.id,
      name: 'test',
      scopes,
      expiresAt,
      actor: { type: 'system', id: null },
    }),
  );
}

type Call = {
  tenant?: Tenant | string | null;
  key?: string | null;
  body?: unknown;
  query?: string;
  rawBody?: string;
};

function request(method: string, path: string, call: Call = {}): Request {
  const tenant = call.tenant === undefined ? acme : call.tenant;
  const slug = typeof tenant === 'string' ? tenant : tenant?.slug;
  const headers: Record<string, string> = { 'x-request-id': randomUUID() };
  if (slug) {
    headers.host = `${slug}.localhost:3000`;
    headers['x-tenantry-tenant'] = slug;
  }
  const key = call.key === undefined ? acmeKey : call.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined = call.rawBody;
  if (call.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.body);
  }
  return new Request(
    `http://${slug ?? 'localhost'}.localhost:3000/api/v1${path}${call.query ?? ''}`,
    { method, headers, body },
  );
}

const noParams = { params: Promise.resolve({}) };
const withId = (id: string) => ({ params: Promise.resolve({ id }) });

async function list(call: Call = {}) {
  return collection.GET(request('GET', '/documents', call), noParams);
}
async function create(call: Call) {
  return collection.POST(request('POST', '/documents', call), noParams);
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant({ plan: 'pro' });
  globex = await createTenant({ plan: 'pro' });
  acmeKey = (await keyFor(acme)).key;
  globexKey = (await keyFor(globex)).key;
});
afterAll(() => teardownTestDatabase(handle));

describe('tenant API: documents CRUD', () => {
  it('creates, reads, changes and deletes a document, auditing each change as the key', async () => {
    const created = await create({ body: { title: 'From the API', body: 'Hello' } });
    expect(created.status).toBe(201);
    const { document } = (await created.json()) as {
      document: { id: string; title: string; authorId: string | null };
    };
    expect(document).toMatchObject({
      title: 'From the API',
      body: 'Hello',
      authorId: null,
      authorName: null,
    });

    const got = await item.GET(request('GET', `/documents/${document.id}`), withId(document.id));
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({
      document: expect.objectContaining({ id: document.id, title: 'From the API' }),
    });

    const patched = await item.PATCH(
      request('PATCH', `/documents/${document.id}`, { body: { title: 'Renamed' } }),
      withId(document.id),
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ document: { title: 'Renamed', body: 'Hello' } });

    const deleted = await item.DELETE(
      request('DELETE', `/documents/${document.id}`),
      withId(document.id),
    );
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const gone = await item.GET(request('GET', `/documents/${document.id}`), withId(document.id));
    expect(gone.status).toBe(404);

    const trail = await withTenant(acme.id, (tx) => listAuditEvents(tx, { tenantId: acme.id }));
    const actions = trail
      .filter((e) => e.targetId === document.id)
      .map((e) => [e.action, e.actorType]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['document.created', 'api_key'],
        ['document.updated', 'api_key'],
        ['document.deleted', 'api_key'],
      ]),
    );
  });

  it('pages through documents with a cursor, newest first, without repeats', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const { key } = await keyFor(tenant);
    for (let i = 0; i < 5; i++) await create({ tenant, key, body: { title: `Doc ${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await list({
        tenant,
        key,
        query: `?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        data: { title: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.data.map((d) => d.title));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['Doc 4', 'Doc 3', 'Doc 2', 'Doc 1', 'Doc 0']);
  });

  it('answers 400 with field details for bad input, a bad cursor, bad JSON and a missing body', async () => {
    const bad = await create({ body: { title: '', body: 5 } });
    expect(bad.status).toBe(400);
    const error = (
      (await bad.json()) as { error: { code: string; details: Record<string, string[]> } }
    ).error;
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.details).sort()).toEqual(['body', 'title']);

    expect((await list({ query: '?limit=1000' })).status).toBe(400);
    const cursor = await list({ query: '?cursor=not-a-cursor' });
    expect(cursor.status).toBe(400);
    expect(await cursor.json()).toMatchObject({
      error: { details: { cursor: expect.any(Array) } },
    });
    expect((await create({ rawBody: '{not json' })).status).toBe(400);
    expect((await create({})).status).toBe(400);
    const unknownField = await item.PATCH(
      request('PATCH', `/documents/${randomUUID()}`, { body: { owner: 'x' } }),
      withId(randomUUID()),
    );
    expect(unknownField.status).toBe(400);
    const empty = await item.PATCH(
      request('PATCH', `/documents/${randomUUID()}`, { body: {} }),
      withId(randomUUID()),
    );
    expect(empty.status).toBe(400);
  });
});

describe('tenant API: request bodies', () => {
  it('refuses a body over 1 MiB, whether declared or streamed, with 400 and nothing created', async () => {
    const huge = JSON.stringify({ title: 'big', body: 'x'.repeat(1024 * 1024) });
    const streamed = await create({ rawBody: huge });
    expect(streamed.status).toBe(400);
    expect(await streamed.json()).toMatchObject({
      error: { message: expect.stringContaining('1 MiB') },
    });
    const declared = request('POST', '/documents', { rawBody: '{}' });
    const lying = new Request(declared, {
      headers: {
        ...Object.fromEntries(declared.headers),
        'content-length': String(2 * 1024 * 1024),
      },
    });
    expect((await collection.POST(lying, noParams)).status).toBe(400);
    const titles = ((await (await list()).json()) as { data: { title: string }[] }).data.map(
      (d) => d.title,
    );
    expect(titles).not.toContain('big');
  });
});

describe('tenant API: authentication and isolation', () => {
  it('answers 401 with a WWW-Authenticate header without a key, with a malformed or unknown key', async () => {
    for (const key of [null, 'not-a-key', `tnry_${'A'.repeat(43)}`]) {
      const response = await list({ key });
      expect(response.status, String(key)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
  });

  it('refuses another tenant’s key on this host with 401', async () => {
    const response = await list({ tenant: acme, key: globexKey });
    expect(response.status).toBe(401);
  });

  it('answers 404 for another tenant’s document id, exactly like a missing id', async () => {
    const created = await create({
      tenant: globex,
      key: globexKey,
      body: { title: 'Globex only' },
    });
    const { document } = (await created.json()) as { document: { id: string } };
    const missing = randomUUID();
    for (const id of [document.id, missing]) {
      const responses = [
        await item.GET(request('GET', `/documents/${id}`), withId(id)),
        await item.PATCH(
          request('PATCH', `/documents/${id}`, { body: { title: 'hijack' } }),
          withId(id),
        ),
        await item.DELETE(request('DELETE', `/documents/${id}`), withId(id)),
      ];
      for (const response of responses) {
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({
          error: { code: 'not_found', message: 'Document not found.' },
        });
      }
    }
    // A malformed id is a 404 too, not a hint about the id format.
    const malformed = await item.GET(request('GET', '/documents/123'), withId('123'));
    expect(malformed.status).toBe(404);
    const still = await item.GET(
      request('GET', `/documents/${document.id}`, { tenant: globex, key: globexKey }),
      withId(document.id),
    );
    expect(await still.json()).toMatchObject({ document: { title: 'Globex only' } });
  });

  it('refuses revoked and expired keys with 401', async () => {
    const revoked = await keyFor(acme);
    await withTenant(acme.id, (tx) =>
      revokeApiKey(tx, { tenantId: acme.id, id: revoked.id, actor: { type: 'system', id: null } }),
    );
    expect((await list({ key: revoked.key })).status).toBe(401);

    const expiring = await keyFor(acme, ALL, new Date(Date.now() + 60_000));
    expect((await list({ key: expiring.key })).status).toBe(200);
    await withPlatform((tx) =>
      tx.execute(
        `update api_keys set expires_at = now() - interval '1 second' where id = '${expiring.id}'`,
      ),
    );
    expect((await list({ key: expiring.key })).status).toBe(401);
  });

  it('answers 404 for unknown and archived tenants, and on the root domain', async () => {
    expect((await list({ tenant: 'no-such-tenant' })).status).toBe(404);
    expect((await list({ tenant: null })).status).toBe(404);
    const archived = await createTenant({ plan: 'pro' });
    const { key } = await keyFor(archived);
    await withPlatform((tx) =>
      tx.update(tenants).set({ status: 'archived' }).where(eq(tenants.id, archived.id)),
    );
    const response = await list({ tenant: archived, key });
    expect(response.status).toBe(404);
  });

  it('answers 403 tenant_suspended for a suspended tenant’s valid key', async () => {
    const suspended = await createTenant({ plan: 'pro' });
    const { key } = await keyFor(suspended);
    await withPlatform((tx) =>
      tx.update(tenants).set({ status: 'suspended' }).where(eq(tenants.id, suspended.id)),
    );
    const response = await list({ tenant: suspended, key });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'tenant_suspended' } });
  });
});

describe('tenant API: scopes, features and limits', () => {
  it('enforces each operation’s scope', async () => {
    const { key: readOnly } = await keyFor(acme, ['documents:read']);
    expect((await list({ key: readOnly })).status).toBe(200);
    const refused = await create({ key: readOnly, body: { title: 'nope' } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { code: 'forbidden', message: expect.stringContaining('documents:write') },
    });

    const { key: writer } = await keyFor(acme, ['documents:write']);
    expect((await list({ key: writer })).status).toBe(403);
    const created = await create({ key: writer, body: { title: 'writer' } });
    const { document } = (await created.json()) as { document: { id: string } };
    expect(
      (
        await item.DELETE(
          request('DELETE', `/documents/${document.id}`, { key: writer }),
          withId(document.id),
        )
      ).status,
    ).toBe(403);
  });

  it('answers 403 feature_disabled when the plan lacks the API, and follows overrides', async () => {
    const free = await createTenant({ plan: 'free' });
    const { key } = await keyFor(free);
    const response = await list({ tenant: free, key });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'feature_disabled' } });

    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ featureOverrides: { api_access: true } })
        .where(eq(tenants.id, free.id)),
    );
    expect((await list({ tenant: free, key })).status).toBe(200);
    const pro = await createTenant({ plan: 'pro' });
    const { key: proKey } = await keyFor(pro);
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ featureOverrides: { api_access: false } })
        .where(eq(tenants.id, pro.id)),
    );
    expect((await list({ tenant: pro, key: proKey })).status).toBe(403);
  });

  it('refuses to create past the documents limit with 422 limit_reached', async () => {
    const small = await createTenant({ plan: 'pro' });
    const { key } = await keyFor(small);
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ limitOverrides: { documents: 2 } })
        .where(eq(tenants.id, small.id)),
    );
    expect((await create({ tenant: small, key, body: { title: 'one' } })).status).toBe(201);
    expect((await create({ tenant: small, key, body: { title: 'two' } })).status).toBe(201);
    const third = await create({ tenant: small, key, body: { title: 'three' } });
    expect(third.status).toBe(422);
    expect(await third.json()).toMatchObject({
      error: { code: 'limit_reached', message: expect.stringContaining('limit of 2 documents') },
    });
  });
});
