import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { auditEvents, memberships, users, type ActorType } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createApiKey } from '@/lib/api-keys';
import { AppError } from '@/lib/errors';
import {
  AUDIT_EXPORT_MAX,
  auditActionGroups,
  auditActionLabel,
  auditSearchQuery,
  csvCell,
  exportAuditEvents,
  listAuditEvents,
  parseAuditSearch,
  searchAuditEvents,
  toCsv,
  toJson,
  type AuditFilters,
  type AuditRecordDTO,
} from '.';

let handle: DatabaseHandle;

type Seeded = { id: string; seq: number };

/** One event written as the tenant, at a chosen time (the chain numbers it on insert). */
async function seed(
  tenantId: string,
  event: {
    at: string;
    action: string;
    actor: { type: ActorType; id: string | null };
    target?: { type: string; id: string };
    metadata?: Record<string, unknown>;
  },
): Promise<Seeded> {
  const [row] = await withTenant(tenantId, (tx) =>
    tx
      .insert(auditEvents)
      .values({
        tenantId,
        actorType: event.actor.type,
        actorId: event.actor.id,
        action: event.action,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        requestId: `req-${event.action}`,
        ip: '203.0.113.7',
        metadata: event.metadata ?? {},
        createdAt: new Date(event.at),
      })
      .returning({ id: auditEvents.id, seq: auditEvents.seq }),
  );
  return row!;
}

const search = (
  tenantId: string,
  filters: AuditFilters & { cursor?: string; limit?: number } = {},
) => withTenant(tenantId, (tx) => searchAuditEvents(tx, { tenantId, limit: 50, ...filters }));

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

// Tenant A: an owner (a current member), a former member, an API key, an operator, and no one.
let a: { id: string };
let b: { id: string };
let owner: { userId: string; email: string };
let former: { userId: string };
let operatorId: string;
let keyId: string;
const documentId = randomUUID();
const e: Record<string, Seeded> = {};
let bEvents: Seeded[];

beforeAll(async () => {
  handle = await setupTestDatabase();
  [a, b] = await Promise.all([createTenant(), createTenant()]);
  owner = await createMember(a!.id, { role: 'owner', name: 'Ada Owner' });
  former = await createMember(a!.id, { role: 'member', name: 'Fred Former' });
  operatorId = await withPlatform(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({
        email: `op-${randomUUID().slice(0, 8)}@example.test`,
        name: 'Olga Operator',
        passwordHash: 'x',
        platformRole: 'operator',
      })
      .returning({ id: users.id });
    return row!.id;
  });
  const key = await withTenant(a!.id, (tx) =>
    createApiKey(tx, {
      tenantId: a!.id,
      actor: { type: 'user', id: owner.userId },
      name: 'CI deploy',
      scopes: ['documents:read'],
    }),
  );
  keyId = key.id;

  const ada = { type: 'user', id: owner.userId } as const;
  e.created = await seed(a!.id, {
    at: '2024-03-09T12:00:00Z',
    action: 'document.created',
    actor: ada,
    target: { type: 'document', id: documentId },
    metadata: { title: '=HYPERLINK("http://evil.test","Click")' },
  });
  e.updated = await seed(a!.id, {
    at: '2024-03-10T00:00:00Z',
    action: 'document.updated',
    actor: { type: 'user', id: former.userId },
    target: { type: 'document', id: documentId },
  });
  e.deleted = await seed(a!.id, {
    at: '2024-03-10T23:59:59.999Z',
    action: 'document.deleted',
    actor: { type: 'api_key', id: keyId },
    target: { type: 'document', id: documentId },
  });
  e.plan = await seed(a!.id, {
    at: '2024-03-11T00:00:00Z',
    action: 'tenant.plan_changed',
    actor: { type: 'operator', id: operatorId },
    target: { type: 'tenant', id: a!.id },
    metadata: { from: 'free', to: 'pro' },
  });
  e.failed = await seed(a!.id, {
    at: '2024-03-11T10:00:00Z',
    action: 'auth.sign_in_failed',
    actor: { type: 'anonymous', id: null },
  });
  e.signedIn = await seed(a!.id, {
    at: '2024-03-12T08:00:00Z',
    action: 'auth.signed_in',
    actor: ada,
    target: { type: 'session', id: randomUUID() },
  });
  // Fred leaves: his events stay, but the tenant can no longer see who he was.
  await withPlatform((tx) =>
    tx
      .delete(memberships)
      .where(and(eq(memberships.tenantId, a!.id), eq(memberships.userId, former.userId))),
  );

  // Tenant B: the same kinds of events, the same document id, and the same owner as a member.
  await createMember(b!.id, { role: 'owner', email: owner.email });
  bEvents = [
    await seed(b!.id, {
      at: '2024-03-10T12:00:00Z',
      action: 'document.created',
      actor: ada,
      target: { type: 'document', id: documentId },
    }),
    await seed(b!.id, { at: '2024-03-10T13:00:00Z', action: 'auth.signed_in', actor: ada }),
  ];
});

afterAll(() => teardownTestDatabase(handle));

describe('searchAuditEvents', () => {
  it('lists the tenant’s events newest first by seq, with who did them', async () => {
    const { data, nextCursor } = await search(a.id);
    expect(nextCursor).toBeNull();
    // The API key's own creation (recorded at "now") came first in the chain.
    expect(data.map((row) => row.action)).toEqual([
      'auth.signed_in',
      'auth.sign_in_failed',
      'tenant.plan_changed',
      'document.deleted',
      'document.updated',
      'document.created',
      'api_key.created',
    ]);
    const seqs = data.map((row) => row.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => y - x));

    const byId = new Map(data.map((row) => [row.id, row]));
    expect(byId.get(e.created!.id)).toMatchObject({
      actorType: 'user',
      actorId: owner.userId,
      actorName: 'Ada Owner',
      actorEmail: owner.email,
      targetType: 'document',
      targetId: documentId,
      requestId: 'req-document.created',
      ip: '203.0.113.7',
      metadata: { title: '=HYPERLINK("http://evil.test","Click")' },
      createdAt: new Date('2024-03-09T12:00:00Z'),
    });
    expect(byId.get(e.created!.id)!.hash).toMatch(/^[0-9a-f]{64}$/);
    // A former member and an operator are not among the tenant's visible users: id only.
    expect(byId.get(e.updated!.id)).toMatchObject({
      actorId: former.userId,
      actorName: null,
      actorEmail: null,
    });
    expect(byId.get(e.plan!.id)).toMatchObject({
      actorType: 'operator',
      actorId: operatorId,
      actorName: null,
    });
    // An API key shows its name.
    expect(byId.get(e.deleted!.id)).toMatchObject({
      actorType: 'api_key',
      actorName: 'CI deploy',
      actorEmail: null,
    });
    expect(byId.get(e.failed!.id)).toMatchObject({ actorId: null, actorName: null });
  });

  it('never shows one tenant another’s events, whatever the filters', async () => {
    const all = await search(b.id);
    expect(ids(all.data).sort()).toEqual(ids(bEvents).sort());
    const sameTarget = await search(b.id, { targetType: 'document', targetId: documentId });
    expect(ids(sameTarget.data)).toEqual([bEvents[0]!.id]);
    const sameActor = await search(b.id, { actorId: owner.userId });
    expect(ids(sameActor.data).sort()).toEqual(ids(bEvents).sort());
    // A's tenant id inside B's transaction: RLS returns nothing even if the filter were wrong.
    const crossed = await withTenant(b.id, (tx) =>
      searchAuditEvents(tx, { tenantId: a.id, limit: 50 }),
    );
    expect(crossed).toEqual({ data: [], nextCursor: null });
    const crossedExport = await withTenant(b.id, (tx) =>
      exportAuditEvents(tx, {
        tenantId: b.id,
        format: 'json',
        actor: { type: 'user', id: owner.userId },
        targetId: documentId,
      }),
    );
    expect(ids(crossedExport.rows)).toEqual([bEvents[0]!.id]);
  });

  it('filters by actor, by actor type, by action (exact or prefix) and by target', async () => {
    expect(ids((await search(a.id, { actorId: owner.userId })).data)).toEqual([
      e.signedIn!.id,
      e.created!.id,
      // Ada created the API key.
      ...ids((await search(a.id, { action: 'api_key.created' })).data),
    ]);
    expect(ids((await search(a.id, { actorType: 'api_key' })).data)).toEqual([e.deleted!.id]);
    expect(ids((await search(a.id, { actorType: 'operator' })).data)).toEqual([e.plan!.id]);
    expect(ids((await search(a.id, { actorType: 'anonymous' })).data)).toEqual([e.failed!.id]);
    expect(ids((await search(a.id, { actorType: 'system' })).data)).toEqual([]);

    expect(ids((await search(a.id, { action: 'document.updated' })).data)).toEqual([e.updated!.id]);
    expect(ids((await search(a.id, { action: 'auth.' })).data)).toEqual([
      e.signedIn!.id,
      e.failed!.id,
    ]);
    expect(ids((await search(a.id, { action: 'document.' })).data)).toEqual([
      e.deleted!.id,
      e.updated!.id,
      e.created!.id,
    ]);
    // Without the trailing dot it is an exact match, and "_" is not a wildcard in a prefix.
    expect((await search(a.id, { action: 'auth' })).data).toEqual([]);
    expect((await search(a.id, { action: 'api.key.' })).data).toEqual([]);

    expect(ids((await search(a.id, { targetType: 'tenant' })).data)).toEqual([e.plan!.id]);
    expect(ids((await search(a.id, { targetId: documentId })).data)).toEqual([
      e.deleted!.id,
      e.updated!.id,
      e.created!.id,
    ]);
    expect(
      ids(
        (
          await search(a.id, {
            targetType: 'document',
            targetId: documentId,
            actorId: former.userId,
          })
        ).data,
      ),
    ).toEqual([e.updated!.id]);
  });

  it('takes whole UTC days, both ends included', async () => {
    const day = await search(a.id, { from: '2024-03-10', to: '2024-03-10' });
    expect(ids(day.data)).toEqual([e.deleted!.id, e.updated!.id]);
    expect(ids((await search(a.id, { from: '2024-03-11' })).data)).toEqual(
      expect.arrayContaining([e.signedIn!.id, e.failed!.id, e.plan!.id]),
    );
    expect(ids((await search(a.id, { from: '2024-03-11' })).data)).not.toContain(e.deleted!.id);
    expect(ids((await search(a.id, { to: '2024-03-09' })).data)).toEqual([e.created!.id]);
    expect((await search(a.id, { from: '2024-03-13', to: '2024-03-20' })).data).toEqual([]);
  });

  it('pages with a seq cursor: every event once, in order, filters kept', async () => {
    const everything = ids((await search(a.id)).data);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search(a.id, { limit: 2, cursor });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page.data));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(everything);

    const first = await search(a.id, { action: 'document.', limit: 2 });
    expect(ids(first.data)).toEqual([e.deleted!.id, e.updated!.id]);
    expect(first.nextCursor).toBe(String(e.updated!.seq));
    const second = await search(a.id, { action: 'document.', limit: 2, cursor: first.nextCursor! });
    expect(ids(second.data)).toEqual([e.created!.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a malformed cursor as invalid input', async () => {
    for (const cursor of ['abc', '0', '-1', '1e5', '12345678901234567']) {
      const failure = await search(a.id, { cursor }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({
        code: 'invalid_input',
        fieldErrors: { cursor: ['Not a valid cursor.'] },
      });
    }
  });
});

describe('parseAuditSearch', () => {
  it('reads an empty form as no filters and the default page size', () => {
    const { input, fieldErrors } = parseAuditSearch({
      actor: '',
      action: ' ',
      targetType: '',
      targetId: '',
      from: '',
      to: '',
    });
    expect(input).toEqual({ limit: 50 });
    expect(fieldErrors).toEqual({});
  });

  it('maps the actor to a member’s id or an actor type, and keeps good values', () => {
    const id = randomUUID();
    expect(parseAuditSearch({ actor: id }).input).toEqual({ actorId: id, limit: 50 });
    expect(parseAuditSearch({ actor: 'api_key' }).input).toEqual({
      actorType: 'api_key',
      limit: 50,
    });
    expect(
      parseAuditSearch({
        action: 'auth.',
        targetType: 'document',
        targetId: ` ${documentId} `,
        from: '2024-02-29',
        to: '2024-03-01',
        cursor: '42',
        limit: ['10', '20'],
      }).input,
    ).toEqual({
      action: 'auth.',
      targetType: 'document',
      targetId: documentId,
      from: '2024-02-29',
      to: '2024-03-01',
      cursor: '42',
      limit: 10,
    });
  });

  it('drops each bad value with a message and keeps filtering by the rest', () => {
    const { input, fieldErrors } = parseAuditSearch({
      actor: 'robot',
      action: 'DROP TABLE',
      targetType: 'Document!',
      targetId: 'x'.repeat(201),
      from: '2023-02-29',
      to: '2024-03-01',
      cursor: 'abc',
      limit: '1000',
    });
    expect(input).toEqual({ to: '2024-03-01', limit: 50 });
    expect(Object.keys(fieldErrors).sort()).toEqual(
      ['action', 'actor', 'cursor', 'from', 'limit', 'targetId', 'targetType'].sort(),
    );
    expect(fieldErrors.actor).toEqual(['Choose someone from the list.']);
    expect(fieldErrors.from).toEqual(['Use a date like 2025-01-31.']);
    expect(fieldErrors.cursor).toEqual(['That page link is not valid.']);
    expect(fieldErrors.limit).toEqual(['Show between 1 and 100 events a page.']);
  });

  it('refuses an end date before the start date, keeping the start', () => {
    const { input, fieldErrors } = parseAuditSearch({
      from: '2024-03-10',
      to: '2024-03-01',
      action: 'auth.signed_in',
    });
    expect(input).toEqual({ from: '2024-03-10', action: 'auth.signed_in', limit: 50 });
    expect(fieldErrors).toEqual({ to: ['The end date is before the start date.'] });
  });

  it('reports a bad field and a reversed date range together', () => {
    const { input, fieldErrors } = parseAuditSearch({
      actor: 'nobody',
      from: '2024-03-10',
      to: '2024-03-01',
    });
    expect(input).toEqual({ from: '2024-03-10', limit: 50 });
    expect(fieldErrors).toEqual({
      actor: ['Choose someone from the list.'],
      to: ['The end date is before the start date.'],
    });
  });

  it('round-trips through the query string the page links build', () => {
    const filters = {
      actorId: randomUUID(),
      action: 'document.',
      targetType: 'document',
      targetId: documentId,
      from: '2024-03-01',
      to: '2024-03-31',
    };
    const query = auditSearchQuery({ ...filters, cursor: '7', limit: 20 });
    const parsed = parseAuditSearch(Object.fromEntries(new URLSearchParams(query)));
    expect(parsed).toEqual({ input: { ...filters, cursor: '7', limit: 20 }, fieldErrors: {} });
    expect(auditSearchQuery({ actorType: 'system', limit: 50, cursor: null })).toBe('actor=system');
    expect(auditSearchQuery({})).toBe('');
  });
});

describe('exportAuditEvents', () => {
  it('returns every match, records the export with its filters and count, and excludes itself', async () => {
    const tenant = await createTenant();
    const member = await createMember(tenant.id, { role: 'admin', name: 'Ann Admin' });
    for (const action of ['document.created', 'document.updated', 'auth.signed_in'])
      await seed(tenant.id, {
        at: '2024-05-01T10:00:00Z',
        action,
        actor: { type: 'user', id: member.userId },
      });
    const exporter = { type: 'user', id: member.userId } as const;

    const result = await withTenant(tenant.id, (tx) =>
      exportAuditEvents(tx, {
        tenantId: tenant.id,
        format: 'csv',
        actor: exporter,
        request: { requestId: 'req-export', ip: '198.51.100.1' },
        action: 'document.',
        from: '2024-05-01',
      }),
    );
    expect(result.truncated).toBe(false);
    expect(result.rows.map((row) => row.action)).toEqual(['document.updated', 'document.created']);
    expect(result.rows[0]).toMatchObject({ actorName: 'Ann Admin' });

    const [recorded] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'audit.exported' }),
    );
    expect(recorded).toMatchObject({
      actorType: 'user',
      actorId: member.userId,
      targetType: null,
      requestId: 'req-export',
      metadata: {
        format: 'csv',
        filters: { action: 'document.', from: '2024-05-01' },
        rows: 2,
        truncated: false,
      },
    });

    // The next export sees the first one (it is part of the trail), never itself.
    const again = await withTenant(tenant.id, (tx) =>
      exportAuditEvents(tx, { tenantId: tenant.id, format: 'json', actor: exporter }),
    );
    expect(again.rows.map((row) => row.action)).toEqual([
      'audit.exported',
      'auth.signed_in',
      'document.updated',
      'document.created',
    ]);
  });

  it('stops at the maximum and says it did', async () => {
    const tenant = await createTenant();
    for (let i = 0; i < 3; i++)
      await seed(tenant.id, {
        at: '2024-05-01T10:00:00Z',
        action: 'auth.signed_in',
        actor: { type: 'system', id: null },
      });
    const result = await withTenant(tenant.id, (tx) =>
      exportAuditEvents(tx, {
        tenantId: tenant.id,
        format: 'json',
        actor: { type: 'system', id: null },
        max: 2,
      }),
    );
    expect(result.rows).toHaveLength(2);
    expect(result.truncated).toBe(true);
    const [recorded] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'audit.exported' }),
    );
    expect(recorded!.metadata).toMatchObject({ rows: 2, truncated: true, filters: {} });
    expect(AUDIT_EXPORT_MAX).toBe(10_000);
  });
});

describe('export formats', () => {
  const record = (overrides: Partial<AuditRecordDTO> = {}): AuditRecordDTO => ({
    id: '00000000-0000-4000-8000-000000000001',
    seq: 3,
    createdAt: new Date('2024-03-09T12:00:00.123Z'),
    action: 'document.created',
    actorType: 'user',
    actorId: '00000000-0000-4000-8000-000000000002',
    actorName: 'Ada "The Owner", Esq.',
    actorEmail: 'ada@example.test',
    targetType: 'document',
    targetId: '00000000-0000-4000-8000-000000000003',
    requestId: null,
    ip: null,
    metadata: { title: 'Line one\nline two' },
    hash: 'ab'.repeat(32),
    ...overrides,
  });

  it('quotes cells by RFC 4180 and ends every line with CRLF', () => {
    const csv = toCsv([record()]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'seq,created_at,action,actor_type,actor_id,actor_name,actor_email,target_type,target_id,request_id,ip,metadata,hash',
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      [
        '3',
        '2024-03-09T12:00:00.123Z',
        'document.created',
        'user',
        '00000000-0000-4000-8000-000000000002',
        '"Ada ""The Owner"", Esq."',
        'ada@example.test',
        'document',
        '00000000-0000-4000-8000-000000000003',
        '',
        '',
        '"{""title"":""Line one\\nline two""}"',
        'ab'.repeat(32),
      ].join(','),
    );
    expect(toCsv([])).toBe(`${lines[0]}\r\n`);
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("http://evil.test")')).toBe('"\'=HYPERLINK(""http://evil.test"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\rcmd')).toBe('"\'\rcmd"');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('')).toBe('');
    const csv = toCsv([record({ actorName: '=cmd|"/c calc"!A1', targetId: '-1' })]);
    expect(csv).toContain(`,"'=cmd|""/c calc""!A1",`);
    expect(csv).toContain(`,'-1,`);
  });

  it('writes JSON as an array of events with their metadata objects intact', () => {
    const parsed = JSON.parse(
      toJson([record(), record({ seq: 2, metadata: { nested: { a: [1, 2] } } })]),
    ) as Array<Record<string, unknown>>;
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toMatchObject({
      seq: 3,
      createdAt: '2024-03-09T12:00:00.123Z',
      actorName: 'Ada "The Owner", Esq.',
      metadata: { title: 'Line one\nline two' },
    });
    expect(parsed[1]!.metadata).toEqual({ nested: { a: [1, 2] } });
    expect(toJson([])).toBe('[]');
  });
});

describe('auditActionLabel', () => {
  it('names known actions and groups, and reads unknown ones as words', () => {
    expect(auditActionLabel('document.created')).toBe('Document created');
    expect(auditActionLabel('audit.exported')).toBe('Audit log exported');
    expect(auditActionLabel('auth.')).toBe('Any sign-in event');
    expect(auditActionLabel('billing.plan_changed')).toBe('Plan chosen');
    expect(auditActionLabel('billing.')).toBe('Any billing event');
    expect(auditActionLabel('widget.polished')).toBe('Widget polished');
    expect(auditActionLabel('widget.')).toBe('Widget');
    for (const group of auditActionGroups)
      for (const action of Object.keys(group.actions))
        expect(action.startsWith(group.prefix)).toBe(true);
  });
});
