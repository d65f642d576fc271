import { randomUUID } from 'node:crypto';
import { count } from 'drizzle-orm';
import { writingKeyring } from '@/lib/crypto';
import { hashPassword } from '@/lib/passwords';
import { plans, type PlanId } from '@/lib/plans';
import type { Database } from './client';
import {
  auditEvents,
  billingBudgets,
  documents,
  invoiceLines,
  invoices,
  memberships,
  tenantRoles,
  tenants,
  usageEvents,
  users,
  type MemberRole,
  type TenantStatus,
} from './schema';
import { withPlatform, type Transaction } from './scope';

type SeedTenant = {
  slug: string;
  name: string;
  status: TenantStatus;
  plan: PlanId;
  primaryColor: string;
  members: Array<{ email: string; name: string; password: string; role: MemberRole }>;
  /** The tenant's own roles, to show the role matrix with something in it. */
  customRoles?: Array<{ name: string; description: string; permissions: string[] }>;
  documents: Array<{ title: string; body: string }>;
  /** Fourteen days of API traffic, so the usage pages have something to show. */
  demoUsage?: boolean;
  /** A budget and last month's paid invoice, so the billing pages have something to show. */
  demoBilling?: boolean;
};

/**
 * A fortnight of hourly API usage by route ending at the current hour: a daily rhythm, busier
 * on weekdays, deterministic (no randomness), as the recorder would have written it.
 */
function demoUsageEvents(tenantId: string, now: Date) {
  const routes = [
    { route: 'listDocuments', share: 0.6, ms: 18, bytes: 2400 },
    { route: 'getDocument', share: 0.3, ms: 9, bytes: 900 },
    { route: 'createDocument', share: 0.1, ms: 25, bytes: 300 },
  ];
  const lastHour = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  const events = [];
  for (let h = 14 * 24 - 1; h >= 0; h--) {
    const at = new Date(lastHour - h * 3_600_000);
    const hourOfDay = at.getUTCHours();
    const weekday = at.getUTCDay() % 6 !== 0;
    const calls = Math.round(
      (weekday ? 120 : 40) * (1.2 + Math.sin(((hourOfDay - 9) / 24) * 2 * Math.PI)),
    );
    for (const { route, share, ms, bytes } of routes) {
      const n = Math.max(1, Math.round(calls * share));
      const key = `seed:${at.toISOString()}:${route}`;
      const common = { tenantId, occurredAt: at, properties: { route }, source: 'system' as const };
      events.push(
        { ...common, metric: 'api_calls', value: n, idempotencyKey: `${key}:calls` },
        { ...common, metric: 'compute_ms', value: n * ms, idempotencyKey: `${key}:ms` },
        { ...common, metric: 'egress_bytes', value: n * bytes, idempotencyKey: `${key}:bytes` },
      );
    }
  }
  return events;
}

/**
 * A $100 budget alerting at 50/80/100 %, and last month's invoice for the plan, paid (internal
 * billing, as the billing job would have issued it and an operator marked it).
 */
async function seedDemoBilling(
  tx: Transaction,
  tenant: { id: string; slug: string; plan: PlanId },
  now: Date,
): Promise<void> {
  await tx.insert(billingBudgets).values({ tenantId: tenant.id, amount: 10_000 });
  const periodEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const periodStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const amount = plans[tenant.plan].pricing.monthlyAmount;
  const month = `${periodStart.getUTCFullYear()}${String(periodStart.getUTCMonth() + 1).padStart(2, '0')}`;
  const [invoice] = await tx
    .insert(invoices)
    .values({
      tenantId: tenant.id,
      number: `${tenant.slug.toUpperCase()}-${month}`,
      source: 'internal',
      status: 'paid',
      periodStart,
      periodEnd,
      subtotal: amount,
      total: amount,
      amountPaid: amount,
      amountDue: 0,
      issuedAt: periodEnd,
      dueAt: new Date(periodEnd.getTime() + 14 * 86_400_000),
      paidAt: new Date(periodEnd.getTime() + 3 * 86_400_000),
    })
    .returning({ id: invoices.id });
  await tx.insert(invoiceLines).values({
    tenantId: tenant.id,
    invoiceId: invoice!.id,
    position: 0,
    kind: 'plan',
    description: `${plans[tenant.plan].name} plan`,
    quantity: 1,
    unitAmount: amount,
    amount,
  });
}

/** The demo data the README's logins refer to. */
export const demoTenants: SeedTenant[] = [
  {
    slug: 'acme',
    demoUsage: true,
    demoBilling: true,
    name: 'Acme Inc.',
    status: 'active',
    plan: 'pro',
    primaryColor: '#0f766e',
    members: [
      { email: 'owner@acme.test', name: 'Ada Acme', password: 'acme-owner-pass', role: 'owner' },
      {
        email: 'member@acme.test',
        name: 'Max Member',
        password: 'acme-member-pass',
        role: 'member',
      },
    ],
    customRoles: [
      {
        name: 'Auditor',
        description: 'Reads documents, usage and the logs',
        permissions: ['documents:read', 'members:read', 'usage:read', 'audit:read'],
      },
    ],
    documents: [
      {
        title: 'Welcome to Acme',
        body: 'This is Acme’s portal. Documents here are visible to Acme’s members only.',
      },
      { title: 'Q3 roadmap', body: 'Ship the rocket skates. Test the giant magnet.' },
      {
        title: 'Onboarding checklist',
        body: '1. Sign in\n2. Create a document\n3. Invite your team',
      },
    ],
  },
  {
    slug: 'globex',
    name: 'Globex Corporation',
    status: 'active',
    plan: 'pro',
    primaryColor: '#b91c1c',
    members: [
      {
        email: 'owner@globex.test',
        name: 'Hank Scorpio',
        password: 'globex-owner-pass',
        role: 'owner',
      },
    ],
    documents: [{ title: 'Globex secret plans', body: 'Nobody at Acme may ever read this.' }],
  },
  {
    slug: 'initech',
    name: 'Initech',
    status: 'suspended',
    plan: 'free',
    primaryColor: '#1d4ed8',
    members: [
      {
        email: 'owner@initech.test',
        name: 'Bill Lumbergh',
        password: 'initech-owner-pass',
        role: 'owner',
      },
    ],
    documents: [{ title: 'TPS reports', body: 'New cover sheets.' }],
  },
];

/** The demo platform operator, who signs in to the console at /admin on the root domain. */
export const demoOperators: Array<{ email: string; name: string; password: string }> = [
  { email: 'operator@tenantry.test', name: 'Olive Operator', password: 'operator-pass-123' },
];

/** Inserts the demo tenants, members, documents and operator through the platform path. */
export async function seedDemoData(
  db: Database,
  options: { onlyIfEmpty?: boolean } = {},
): Promise<boolean> {
  const hashed = new Map<string, string>();
  for (const tenant of demoTenants) {
    for (const member of tenant.members)
      hashed.set(member.email, await hashPassword(member.password));
  }
  for (const operator of demoOperators)
    hashed.set(operator.email, await hashPassword(operator.password));
  return withPlatform(async (tx) => {
    if (options.onlyIfEmpty) {
      const [existing] = await tx.select({ n: count() }).from(tenants);
      if ((existing?.n ?? 0) > 0) return false;
    }
    for (const spec of demoTenants) {
      const [tenant] = await tx
        .insert(tenants)
        .values({
          slug: spec.slug,
          name: spec.name,
          status: spec.status,
          plan: spec.plan,
          settings: { branding: { primaryColor: spec.primaryColor } },
        })
        .onConflictDoNothing()
        .returning({ id: tenants.id });
      if (!tenant) continue;
      let authorId: string | undefined;
      for (const member of spec.members) {
        const [user] = await tx
          .insert(users)
          .values({
            email: member.email,
            name: member.name,
            passwordHash: hashed.get(member.email)!,
          })
          .onConflictDoUpdate({ target: users.email, set: { name: member.name } })
          .returning({ id: users.id });
        if (!user) continue;
        authorId ??= user.id;
        await tx
          .insert(memberships)
          .values({ tenantId: tenant.id, userId: user.id, role: member.role });
      }
      if (spec.customRoles?.length) {
        await tx
          .insert(tenantRoles)
          .values(spec.customRoles.map((role) => ({ ...role, tenantId: tenant.id })));
      }
      const keyring = await writingKeyring(tx, tenant.id);
      await tx.insert(documents).values(
        spec.documents.map((doc) => {
          const id = randomUUID();
          const at = (column: 'title' | 'body') =>
            ({ table: 'documents', column, rowId: id }) as const;
          return {
            id,
            tenantId: tenant.id,
            authorId,
            title: keyring.seal(doc.title, at('title')),
            body: keyring.seal(doc.body, at('body')),
          };
        }),
      );
      if (spec.demoUsage) {
        const events = demoUsageEvents(tenant.id, new Date());
        for (let i = 0; i < events.length; i += 1000)
          await tx
            .insert(usageEvents)
            .values(events.slice(i, i + 1000))
            .onConflictDoNothing();
      }
      if (spec.demoBilling) await seedDemoBilling(tx, { id: tenant.id, ...spec }, new Date());
      await tx.insert(auditEvents).values({
        tenantId: tenant.id,
        actorType: 'system',
        action: 'tenant.created',
        targetType: 'tenant',
        targetId: tenant.id,
        metadata: { via: 'seed' },
      });
    }
    for (const operator of demoOperators) {
      await tx
        .insert(users)
        .values({
          email: operator.email,
          name: operator.name,
          passwordHash: hashed.get(operator.email)!,
          platformRole: 'operator',
        })
        .onConflictDoUpdate({
          target: users.email,
          set: { name: operator.name, platformRole: 'operator' },
        });
    }
    return true;
  }, db);
}
