import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { postgresErrorCode } from '@/db/errors';
import {
  activityEvents,
  memberships,
  type ActivityChannel,
  type ActivityStream,
  type ActorType,
} from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createApiKey } from '@/lib/api-keys';
import { auditSearchQuery, type AuditFilters } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import {
  accessActionGroups,
  activityActionLabel,
  activityToCsv,
  channelOf,
  exportLog,
  isLogKind,
  logKinds,
  parseActivitySearch,
  readActivityEvents,
  searchActivityEvents,
  securityActionGroups,
  type ActivityRecordDTO,
} from '.';

let handle: DatabaseHandle;

type Seeded = { id: string };

/** One event written as the tenant, at a chosen time. */
async function seed(
  tenantId: string,
  event: {
    at: string;
    stream?: ActivityStream;
    action: string;
    channel?: ActivityChannel | null;
    actor: { type: ActorType; id: string | null };
    target?: { type: string; id: string | null };
    metadata?: Record<string, unknown>;
  },
): Promise<Seeded> {
  const [row] = await withTenant(tenantId, (tx) =>
    tx
      .insert(activityEvents)
      .values({
        tenantId,
        stream: event.stream ?? 'access',
        action: event.action,
        channel: event.channel === undefined ? 'web' : event.channel,
        actorType: event.actor.type,
        actorId: event.actor.id,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        requestId: `req-${event.action}`,
        ip: '203.0.113.7',
        userAgent: 'seed',
        metadata: event.metadata ?? {},
        createdAt: new Date(event.at),
      })
      .returning({ id: activityEvents.id }),
  );
  return row!;
}

const search = (
  tenantId: string,
  filters: AuditFilters & { cursor?: string; limit?: number; stream?: ActivityStream } = {},
) =>
  withTenant(tenantId, (tx) =>
    searchActivityEvents(tx, { tenantId, stream: 'access', limit: 50, ...filters }),
  );

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

let a: { id: string };
let b: { id: string };
let reader: { userId: string; email: string };
let former: { userId: string };
let keyId: string;
const documentId = randomUUID();
const e: Record<string, Seeded> = {};

beforeAll(async () => {
  handle = await setupTestDatabase();
  [a, b] = await Promise.all([createTenant(), createTenant()]);
  reader = await createMember(a!.id, { role: 'member', name: 'Rita Reader' });
  former = await createMember(a!.id, { role: 'member', name: 'Fred Former' });
  const key = await withTenant(a!.id, (tx) =>
    createApiKey(tx, {
      tenantId: a!.id,
      actor: { type: 'system', id: null },
      name: 'Sync job',
      scopes: ['documents:read'],
    }),
  );
  keyId = key.id;
  const rita = { type: 'user', id: reader.userId } as const;
  const doc = { type: 'document', id: documentId };
  e.viewed = await seed(a!.id, {
    at: '2024-03-09T12:00:00Z',
    action: 'document.viewed',
    actor: rita,
    target: doc,
    metadata: { title: '=HYPERLINK("http://evil.test")' },
  });
  // Three events at the very same instant: the id breaks the tie, so paging neither repeats nor skips.
  e.tieA = await seed(a!.id, {
    at: '2024-03-10T08:00:00.123456Z',
    action: 'document.listed',
    actor: rita,
    target: { type: 'document', id: null },
  });
  e.tieB = await seed(a!.id, {
    at: '2024-03-10T08:00:00.123456Z',
    action: 'document.viewed',
    actor: { type: 'user', id: former.userId },
    target: doc,
  });
  e.tieC = await seed(a!.id, {
    at: '2024-03-10T08:00:00.123456Z',
    action: 'document.viewed',
    channel: 'api',
    actor: { type: 'api_key', id: keyId },
    target: doc,
  });
  e.exported = await seed(a!.id, {
    at: '2024-03-11T23:59:59.999Z',
    action: 'log.exported',
    channel: 'export',
    actor: rita,
    target: { type: 'log', id: 'access' },
  });
  e.failed = await seed(a!.id, {
    at: '2024-03-10T09:00:00Z',
    stream: 'security',
    action: 'auth.sign_in_failed',
    channel: 'web',
    actor: { type: 'anonymous', id: null },
  });
  await withPlatform((tx) =>
    tx
      .delete(memberships)
      .where(and(eq(memberships.tenantId, a!.id), eq(memberships.userId, former.userId))),
  );
  // Tenant B: the same document id and the same reader as a member.
  await createMember(b!.id, { email: reader.email });
  e.bViewed = await seed(b!.id, {
    at: '2024-03-10T12:00:00Z',
    action: 'document.viewed',
    actor: rita,
    target: doc,
  });
});

afterAll(() => teardownTestDatabase(handle));

describe('searchActivityEvents', () => {
  it('lists one stream newest first, ties broken by id, with who did them', async () => {
    const { data, nextCursor } = await search(a.id);
    expect(nextCursor).toBeNull();
    const ties = [e.tieA!.id, e.tieB!.id, e.tieC!.id].sort().reverse();
    expect(ids(data)).toEqual([e.exported!.id, ...ties, e.viewed!.id]);
    const byId = new Map(data.map((row) => [row.id, row]));
    expect(byId.get(e.viewed!.id)).toMatchObject({
      stream: 'access',
      action: 'document.viewed',
      channel: 'web',
      actorType: 'user',
      actorId: reader.userId,
      actorName: 'Rita Reader',
      actorEmail: reader.email,
      targetType: 'document',
      targetId: documentId,
      requestId: 'req-document.viewed',
      ip: '203.0.113.7',
      userAgent: 'seed',
      createdAt: new Date('2024-03-09T12:00:00Z'),
    });
    expect(byId.get(e.tieB!.id)).toMatchObject({ actorId: former.userId, actorName: null });
    expect(byId.get(e.tieC!.id)).toMatchObject({ channel: 'api', actorName: 'Sync job' });

    const security = await search(a.id, { stream: 'security' });
    // The API key's creation (recorded at "now") and the seeded failure.
    expect(security.data.map((row) => row.action)).toEqual([
      'api_key.created',
      'auth.sign_in_failed',
    ]);
  });

  it('filters by actor, actor type, action (exact or prefix), target and whole UTC days', async () => {
    expect(ids((await search(a.id, { actorId: reader.userId })).data)).toEqual([
      e.exported!.id,
      e.tieA!.id,
      e.viewed!.id,
    ]);
    expect(ids((await search(a.id, { actorType: 'api_key' })).data)).toEqual([e.tieC!.id]);
    expect(ids((await search(a.id, { action: 'log.exported' })).data)).toEqual([e.exported!.id]);
    expect((await search(a.id, { action: 'document.' })).data).toHaveLength(4);
    expect((await search(a.id, { action: 'document' })).data).toEqual([]);
    expect(ids((await search(a.id, { targetType: 'log' })).data)).toEqual([e.exported!.id]);
    expect((await search(a.id, { targetId: documentId })).data).toHaveLength(3);
    expect(ids((await search(a.id, { from: '2024-03-11', to: '2024-03-11' })).data)).toEqual([
      e.exported!.id,
    ]);
    expect(ids((await search(a.id, { to: '2024-03-09' })).data)).toEqual([e.viewed!.id]);
    expect((await search(a.id, { from: '2024-03-12' })).data).toEqual([]);
  });

  it('pages with a keyset cursor: every event once, in order, filters kept', async () => {
    const everything = ids((await search(a.id)).data);
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await search(a.id, { limit, cursor });
        expect(page.data.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(page.data));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(everything);
    }
    const first = await search(a.id, { action: 'document.viewed', limit: 2 });
    expect(first.data).toHaveLength(2);
    const second = await search(a.id, {
      action: 'document.viewed',
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(ids(second.data)).toEqual([e.viewed!.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a malformed cursor as invalid input', async () => {
    const forged = [
      'abc',
      Buffer.from('["yesterday","x"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
      '!!!',
    ];
    for (const cursor of forged) {
      const failure = await search(a.id, { cursor }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({ code: 'invalid_input' });
    }
  });

  it('never shows one tenant another’s events', async () => {
    expect(ids((await search(b.id)).data)).toEqual([e.bViewed!.id]);
    expect(ids((await search(b.id, { targetId: documentId })).data)).toEqual([e.bViewed!.id]);
    // A's id inside B's transaction: RLS returns nothing even if the filter were wrong.
    const crossed = await withTenant(b.id, (tx) =>
      searchActivityEvents(tx, { tenantId: a.id, stream: 'access', limit: 50 }),
    );
    expect(crossed).toEqual({ data: [], nextCursor: null });
    const crossedRead = await withTenant(b.id, (tx) =>
      readActivityEvents(tx, { tenantId: a.id, stream: 'security' }),
    );
    expect(crossedRead.rows).toEqual([]);
    // B cannot write into A's log.
    const forged = await withTenant(b.id, (tx) =>
      tx.insert(activityEvents).values({
        tenantId: a.id,
        stream: 'security',
        action: 'auth.signed_in',
        actorType: 'system',
      }),
    ).then(
      () => 'allowed',
      (error: unknown) => postgresErrorCode(error).code,
    );
    expect(forged).toBe('42501');
    // Outside any tenant transaction, nothing at all.
    expect(
      await handle.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', 'tenantry_app', true)`);
        return tx.select({ id: activityEvents.id }).from(activityEvents);
      }),
    ).toEqual([]);
  });
});

describe('parseActivitySearch', () => {
  it('keeps a cursor the search made, and drops a forged one with a message', async () => {
    const { nextCursor } = await search(a.id, { limit: 1 });
    const query = auditSearchQuery({ action: 'document.', cursor: nextCursor, limit: 1 });
    expect(parseActivitySearch(Object.fromEntries(new URLSearchParams(query)))).toEqual({
      input: { action: 'document.', cursor: nextCursor, limit: 1 },
      fieldErrors: {},
    });
    expect(parseActivitySearch({ cursor: '42', actor: 'robot', log: 'access' })).toEqual({
      input: { limit: 50 },
      fieldErrors: {
        cursor: ['That page link is not valid.'],
        actor: ['Choose someone from the list.'],
      },
    });
  });
});

describe('exports', () => {
  it('serialises the access and security logs as CSV and JSON, records each, stops at the maximum', async () => {
    const tenant = await createTenant();
    const admin = await createMember(tenant.id, { role: 'admin', name: 'Ann Admin' });
    const actor = { type: 'user', id: admin.userId } as const;
    for (const at of ['2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z'])
      await seed(tenant.id, {
        at,
        stream: 'security',
        action: 'permission.denied',
        actor,
        metadata: { permission: '-audit:read' },
      });

    const csv = await withTenant(tenant.id, (tx) =>
      exportLog(tx, { tenantId: tenant.id, log: 'security', format: 'csv', actor, max: 2 }),
    );
    expect(csv).toMatchObject({ rows: 2, truncated: true });
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(
      'created_at,action,channel,actor_type,actor_id,actor_name,actor_email,target_type,target_id,request_id,ip,user_agent,metadata,id',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('2024-05-01T12:00:00.000Z,permission.denied,web,user,');
    expect(lines[1]).toContain(',Ann Admin,');
    expect(lines[1]).toContain('"{""permission"":""-audit:read""}"');

    const json = await withTenant(tenant.id, (tx) =>
      exportLog(tx, {
        tenantId: tenant.id,
        log: 'access',
        format: 'json',
        actor,
        action: 'log.exported',
      }),
    );
    // The CSV export above is the access log's only event; this export does not contain itself.
    const parsed = JSON.parse(json.body) as ActivityRecordDTO[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({
      action: 'log.exported',
      channel: 'export',
      targetType: 'log',
      targetId: 'security',
      metadata: { log: 'security', format: 'csv', rows: 2, truncated: true, filters: {} },
    });
    const after = await search(tenant.id, { action: 'log.exported' });
    expect(after.data.map((row) => row.targetId)).toEqual(['access', 'security']);
  });

  it('defuses spreadsheet formulas in activity CSV cells', () => {
    const row: ActivityRecordDTO = {
      id: '00000000-0000-4000-8000-000000000001',
      createdAt: new Date('2024-03-09T12:00:00.123Z'),
      stream: 'access',
      action: 'document.viewed',
      channel: null,
      actorType: 'api_key',
      actorId: null,
      actorName: '=cmd|"/c calc"!A1',
      actorEmail: null,
      targetType: null,
      targetId: null,
      requestId: null,
      ip: null,
      userAgent: '@evil',
      metadata: {},
    };
    const [, line] = activityToCsv([row]).split('\r\n');
    expect(line).toBe(
      `2024-03-09T12:00:00.123Z,document.viewed,,api_key,,"'=cmd|""/c calc""!A1",,,,,,'@evil,{},00000000-0000-4000-8000-000000000001`,
    );
  });
});

describe('labels and kinds', () => {
  it('names the actions of each log, and reads unknown ones as words', () => {
    expect(activityActionLabel('access', 'document.viewed')).toBe('Document viewed');
    expect(activityActionLabel('security', 'auth.account_locked')).toBe('Account locked');
    expect(activityActionLabel('security', 'auth.')).toBe('Any sign-in event');
    expect(activityActionLabel('access', 'billing.invoice_viewed')).toBe('Billing invoice viewed');
    for (const groups of [accessActionGroups, securityActionGroups])
      for (const group of groups)
        for (const action of Object.keys(group.actions))
          expect(action.startsWith(group.prefix)).toBe(true);
  });

  it('knows the three logs and each actor’s channel', () => {
    expect(logKinds).toEqual(['audit', 'access', 'security']);
    expect(logKinds.every(isLogKind)).toBe(true);
    expect([isLogKind('billing'), isLogKind(undefined), isLogKind(['access'])]).toEqual([
      false,
      false,
      false,
    ]);
    expect(channelOf({ type: 'user', id: randomUUID() })).toBe('web');
    expect(channelOf({ type: 'api_key', id: randomUUID() })).toBe('api');
    expect(channelOf({ type: 'platform', id: null })).toBe('api');
    expect(channelOf({ type: 'operator', id: randomUUID() })).toBeNull();
    expect(channelOf({ type: 'system', id: null })).toBeNull();
  });
});
