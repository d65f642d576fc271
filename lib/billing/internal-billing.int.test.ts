import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import {
  auditEvents,
  billingAccounts,
  invoiceLines,
  invoices,
  tenants,
  usageEvents,
  usageRollupState,
} from '@/db/schema';
import { withPlatform, withTenant, type Transaction } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { AppError } from '@/lib/errors';
import { updateTenant } from '@/lib/tenancy';
import { refreshUsageRollups } from '@/lib/metering';
import { applyPeriodTransitions, issueInternalInvoices, markOverdueInvoices } from './jobs';
import { suspendAfterGracePeriod } from './lifecycle';
import { markInvoicePaid } from './settlement';
import { changeInternalPlan } from './subscriptions';

// Internal mode end to end on the real database, in March 2025: long past, so usage other suites
// write at the real time on a shared PostgreSQL never lands in it, and the platform-wide passes
// (invoices, transitions, overdue, suspension) find no other suite's tenants at these dates.
// Usage goes the real way: raw usage_events in March, then the rollup job (refreshUsageRollups).

const at = (month: number, day: number, hour = 0, minute = 0) =>
  new Date(Date.UTC(2025, month - 1, day, hour, minute));
const march = { start: at(3, 1), end: at(4, 1) };
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const INVOICED_THROUGH = 'billing.internal_invoices';

let handle: DatabaseHandle;
type Tenant = { id: string; slug: string };

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

/** A tenant that existed before March 2025, with an owner (the billing manager) and an operator. */
async function billedTenant(plan = 'free') {
  const tenant = await createTenant({ plan });
  await withPlatform((tx) =>
    tx
      .update(tenants)
      .set({ createdAt: at(2, 1) })
      .where(eq(tenants.id, tenant.id)),
  );
  const owner = await createMember(tenant.id, { role: 'owner' });
  return { ...tenant, actor: { type: 'user' as const, id: owner.userId } };
}

/** Usage in March 2025 as raw events, rolled up by the rollup job. */
async function usedInMarch(tenant: Tenant, metric: string, value: number) {
  await withPlatform((tx) =>
    tx.insert(usageEvents).values({
      tenantId: tenant.id,
      metric,
      value,
      idempotencyKey: randomUUID(),
      occurredAt: at(3, 12, 9),
      properties: {},
      source: 'system',
    }),
  );
  await refreshUsageRollups({ wait: true });
}

const accountOf = (tenantId: string) =>
  withPlatform(
    async (tx) =>
      (await tx.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId)))[0],
  );
const tenantRow = (tenantId: string, tx?: Transaction) => {
  const read = async (t: Transaction) =>
    (
      await t
        .select({ plan: tenants.plan, status: tenants.status })
        .from(tenants)
        .where(eq(tenants.id, tenantId))
    )[0]!;
  return tx ? read(tx) : withPlatform(read);
};
const auditsOf = (tenantId: string, action: string) =>
  withPlatform((tx) =>
    tx
      .select({
        actorType: auditEvents.actorType,
        actorId: auditEvents.actorId,
        metadata: auditEvents.metadata,
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, action)))
      .orderBy(asc(auditEvents.createdAt)),
  );
const invoicesOf = (tenantId: string) =>
  withPlatform(async (tx) => {
    const rows = await tx.select().from(invoices).where(eq(invoices.tenantId, tenantId));
    return Promise.all(
      rows.map(async (invoice) => ({
        ...invoice,
        lines: await tx
          .select({
            kind: invoiceLines.kind,
            description: invoiceLines.description,
            limit: invoiceLines.limit,
            quantity: invoiceLines.quantity,
            unitAmount: invoiceLines.unitAmount,
            amount: invoiceLines.amount,
          })
          .from(invoiceLines)
          .where(eq(invoiceLines.invoiceId, invoice.id))
          .orderBy(asc(invoiceLines.position)),
      })),
    );
  });

/**
 * The invoice pass for March, forgetting first which period it last invoiced: the state row is
 * platform-wide, and a pass for a later month (another suite, an earlier run on a shared
 * database) would otherwise make this one a no-op. One transaction, so nothing runs in between.
 */
const issueMarchInvoices = (now: Date) =>
  withPlatform(async (tx) => {
    await tx.delete(usageRollupState).where(eq(usageRollupState.name, INVOICED_THROUGH));
    return issueInternalInvoices(tx, now);
  });

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('internal billing, March 2025 end to end', () => {
  let upgrader: Awaited<ReturnType<typeof billedTenant>>;
  let downgrader: Awaited<ReturnType<typeof billedTenant>>;
  let overage: Awaited<ReturnType<typeof billedTenant>>;
  let idle: Awaited<ReturnType<typeof billedTenant>>;
  let idleTrial: Awaited<ReturnType<typeof billedTenant>>;
  const issuedAt = at(4, 1, 0, 5);

  beforeAll(async () => {
    [upgrader, downgrader, overage, idle, idleTrial] = await Promise.all([
      billedTenant('free'),
      billedTenant('free'),
      billedTenant('pro'),
      billedTenant('free'),
      billedTenant('free'),
    ]);
  });

  it('a free tenant upgrading to pro starts its trial at once; the registry plan follows, audited', async () => {
    const now = at(3, 20, 10);
    const { change, role } = await withTenant(upgrader.id, async (tx) => ({
      change: await changeInternalPlan(tx, {
        tenantId: upgrader.id,
        plan: 'pro',
        actor: upgrader.actor,
        request: { requestId: 'req-upgrade' },
        now,
      }),
      // The plan reaches tenants.plan through tenantry_internal.apply_internal_plan, as the app.
      role: (
        (await tx.execute(sql`select current_user as role`)) as unknown as {
          rows: { role: string }[];
        }
      ).rows[0]!.role,
    }));
    expect(role).toBe('tenantry_app');
    const trialEndsAt = new Date(now.getTime() + 14 * DAY_MS);
    expect(change).toEqual({ from: 'free', to: 'pro', effective: 'now', trialEndsAt });
    expect(await accountOf(upgrader.id)).toMatchObject({
      mode: 'internal',
      plan: 'pro',
      status: 'trialing',
      trialEndsAt,
      trialUsed: true,
      scheduledPlan: null,
      currentPeriodStart: march.start,
      currentPeriodEnd: march.end,
    });
    expect(await tenantRow(upgrader.id)).toEqual({ plan: 'pro', status: 'active' });
    expect(await auditsOf(upgrader.id, 'billing.plan_changed')).toEqual([
      {
        actorType: 'user',
        actorId: upgrader.actor.id,
        metadata: {
          from: 'free',
          to: 'pro',
          effective: 'now',
          trialEndsAt: trialEndsAt.toISOString(),
        },
      },
    ]);
    // The app role cannot move tenants.plan itself: only the function can.
    await expect(
      withTenant(upgrader.id, (tx) =>
        tx.update(tenants).set({ plan: 'enterprise' }).where(eq(tenants.id, upgrader.id)),
      ),
    ).rejects.toThrow();
    expect((await tenantRow(upgrader.id)).plan).toBe('pro');
  });

  it('a downgrade waits for the period end; the trial ends on its day; choosing the plan again withdraws a pending change', async () => {
    const upgrade = await withTenant(downgrader.id, (tx) =>
      changeInternalPlan(tx, {
        tenantId: downgrader.id,
        plan: 'business',
        actor: downgrader.actor,
        now: at(3, 5),
      }),
    );
    expect(upgrade.trialEndsAt).toEqual(at(3, 19));
    const downgrade = await withTenant(downgrader.id, (tx) =>
      changeInternalPlan(tx, {
        tenantId: downgrader.id,
        plan: 'pro',
        actor: downgrader.actor,
        now: at(3, 10),
      }),
    );
    expect(downgrade).toEqual({
      from: 'business',
      to: 'pro',
      effective: 'period_end',
      trialEndsAt: at(3, 19),
    });
    expect(await accountOf(downgrader.id)).toMatchObject({
      plan: 'business',
      scheduledPlan: 'pro',
      cancelAtPeriodEnd: false,
      status: 'trialing',
    });
    expect((await tenantRow(downgrader.id)).plan).toBe('business');

    // The 20th: the trial is over (a paid subscription now), the plan held until the period ends.
    await withPlatform((tx) => applyPeriodTransitions(tx, at(3, 20)));
    expect(await accountOf(downgrader.id)).toMatchObject({
      plan: 'business',
      scheduledPlan: 'pro',
      status: 'active',
      currentPeriodEnd: march.end,
    });
    expect((await tenantRow(downgrader.id)).plan).toBe('business');

    // Cancelling (choosing free) also waits; choosing the current plan again withdraws it.
    const cancel = await withTenant(idleTrial.id, async (tx) => {
      await changeInternalPlan(tx, {
        tenantId: idleTrial.id,
        plan: 'pro',
        actor: idleTrial.actor,
        now: at(3, 20),
      });
      return changeInternalPlan(tx, {
        tenantId: idleTrial.id,
        plan: 'free',
        actor: idleTrial.actor,
        now: at(3, 21),
      });
    });
    expect(cancel.effective).toBe('period_end');
    expect(await accountOf(idleTrial.id)).toMatchObject({
      plan: 'pro',
      scheduledPlan: 'free',
      cancelAtPeriodEnd: true,
    });
    const kept = await withTenant(idleTrial.id, (tx) =>
      changeInternalPlan(tx, {
        tenantId: idleTrial.id,
        plan: 'pro',
        actor: idleTrial.actor,
        now: at(3, 22),
      }),
    );
    expect(kept).toMatchObject({ from: 'pro', to: 'pro', effective: 'now' });
    expect(await accountOf(idleTrial.id)).toMatchObject({
      plan: 'pro',
      scheduledPlan: null,
      cancelAtPeriodEnd: false,
      status: 'trialing',
    });
    const again = await refusal(
      withTenant(idleTrial.id, (tx) =>
        changeInternalPlan(tx, {
          tenantId: idleTrial.id,
          plan: 'pro',
          actor: idleTrial.actor,
          now: at(3, 22),
        }),
      ),
    );
    expect(again.code).toBe('conflict');
    expect(await auditsOf(idleTrial.id, 'billing.plan_changed')).toHaveLength(3);
  });

  it('at the period end: one invoice per tenant owing something — plan and overage lines, the base waived under a trial', async () => {
    // Pro holds 1,000,000 calls and 50 compute hours; past them, 50 ¢ per 10,000 calls and
    // 10 ¢ per compute hour (a part block counts whole).
    await usedInMarch(overage, 'api_calls', 1_250_000);
    await usedInMarch(overage, 'compute_ms', 52.5 * HOUR_MS);
    await usedInMarch(upgrader, 'api_calls', 1_010_000);

    await issueMarchInvoices(issuedAt);

    const dueAt = new Date(issuedAt.getTime() + 14 * DAY_MS);
    const [invoice, ...more] = await invoicesOf(overage.id);
    expect(more).toEqual([]);
    expect(invoice).toMatchObject({
      source: 'internal',
      number: `${overage.slug.toUpperCase()}-202503`,
      status: 'open',
      currency: 'usd',
      periodStart: march.start,
      periodEnd: march.end,
      issuedAt,
      dueAt,
      subtotal: 6_180,
      tax: 0,
      total: 6_180,
      amountPaid: 0,
      amountDue: 6_180,
    });
    expect(invoice!.lines).toEqual([
      {
        kind: 'plan',
        description: 'Pro plan',
        limit: null,
        quantity: 1,
        unitAmount: 4_900,
        amount: 4_900,
      },
      {
        kind: 'overage',
        description: expect.stringMatching(/^API calls per month: .*250,000.* past the allowance$/),
        limit: 'api_calls_per_month',
        quantity: 25,
        unitAmount: 50,
        amount: 1_250,
      },
      {
        kind: 'overage',
        description: expect.stringMatching(/^Compute .* past the allowance$/),
        limit: 'compute_ms_per_month',
        quantity: 3,
        unitAmount: 10,
        amount: 30,
      },
    ]);

    // Trialing through the period's end: the base is waived, the overage is not.
    const [trial, ...moreTrial] = await invoicesOf(upgrader.id);
    expect(moreTrial).toEqual([]);
    expect(trial).toMatchObject({ total: 50, amountDue: 50, status: 'open' });
    expect(trial!.lines).toEqual([
      expect.objectContaining({ kind: 'plan', description: 'Pro plan (trial)', amount: 0 }),
      expect.objectContaining({ kind: 'overage', quantity: 1, unitAmount: 50, amount: 50 }),
    ]);

    // The month is billed on the plan held through it: the downgrade is not applied yet.
    const [business] = await invoicesOf(downgrader.id);
    expect(business!.lines).toEqual([
      expect.objectContaining({ kind: 'plan', description: 'Business plan', amount: 29_900 }),
    ]);
    expect(business!.total).toBe(29_900);

    // Owing nothing — free without overage, or a trial with no usage — gives no invoice.
    expect(await invoicesOf(idle.id)).toEqual([]);
    expect(await invoicesOf(idleTrial.id)).toEqual([]);
  });

  it('issuing is idempotent: a second pass, and one with its state row reset, add nothing', async () => {
    const before = await Promise.all([overage, upgrader, downgrader].map((t) => invoicesOf(t.id)));
    // The state row says March is done: the pass returns at once.
    expect(await withPlatform((tx) => issueInternalInvoices(tx, at(4, 1, 1)))).toBe(0);
    // Forgotten: the pass runs again, and the unique invoice per tenant and period holds.
    await issueMarchInvoices(at(4, 2));
    const after = await Promise.all([overage, upgrader, downgrader].map((t) => invoicesOf(t.id)));
    expect(after).toEqual(before);
    expect(after.map((list) => list.length)).toEqual([1, 1, 1]);
  });

  it('the downgrade takes effect once the period is over: account, registry plan, audit', async () => {
    await withPlatform((tx) => applyPeriodTransitions(tx, issuedAt));
    expect(await accountOf(downgrader.id)).toMatchObject({
      plan: 'pro',
      scheduledPlan: null,
      cancelAtPeriodEnd: false,
      status: 'active',
      currentPeriodStart: at(4, 1),
      currentPeriodEnd: at(5, 1),
    });
    expect(await tenantRow(downgrader.id)).toEqual({ plan: 'pro', status: 'active' });
    expect(await auditsOf(downgrader.id, 'tenant.plan_changed')).toEqual([
      expect.objectContaining({
        actorType: 'system',
        metadata: expect.objectContaining({ from: 'business', to: 'pro' }),
      }),
    ]);
    // The trial that still runs into April is untouched; it ends on its own day.
    expect(await accountOf(upgrader.id)).toMatchObject({ plan: 'pro', status: 'trialing' });
    await withPlatform((tx) => applyPeriodTransitions(tx, at(4, 3, 12)));
    expect(await accountOf(upgrader.id)).toMatchObject({ plan: 'pro', status: 'active' });
    expect((await tenantRow(upgrader.id)).plan).toBe('pro');
  });

  it('an unpaid invoice: overdue → past due, past the grace period → suspended, marked paid → active', async () => {
    const [invoice] = await invoicesOf(overage.id);
    const dueAt = invoice!.dueAt!;
    // One transaction: a suite sharing the database may run suspendAfterGracePeriod at the real
    // time, which would otherwise suspend this tenant between the steps below.
    await withPlatform(async (tx) => {
      await markOverdueInvoices(tx, new Date(dueAt.getTime() - 1));
      expect((await tenantRow(overage.id, tx)).status).toBe('active');

      await markOverdueInvoices(tx, at(4, 16));
      expect((await tenantRow(overage.id, tx)).status).toBe('past_due');
      const [account] = await tx
        .select()
        .from(billingAccounts)
        .where(eq(billingAccounts.tenantId, overage.id));
      expect(account!.pastDueSince).toEqual(dueAt);

      expect(await suspendAfterGracePeriod(tx, at(4, 20), 7)).not.toContain(overage.id);
      expect((await tenantRow(overage.id, tx)).status).toBe('past_due');
      expect(await suspendAfterGracePeriod(tx, at(4, 23), 7)).toContain(overage.id);
      expect((await tenantRow(overage.id, tx)).status).toBe('suspended');
    });
    expect(await accountOf(overage.id)).toMatchObject({ suspendedForNonpayment: true });

    const operator = await createMember(idle.id);
    const settled = await withPlatform((tx) =>
      markInvoicePaid(tx, { invoiceId: invoice!.id, operatorId: operator.userId, now: at(4, 25) }),
    );
    expect(settled).toMatchObject({ id: invoice!.id, status: 'paid' });
    expect(await tenantRow(overage.id)).toEqual({ plan: 'pro', status: 'active' });
    expect(await accountOf(overage.id)).toMatchObject({
      pastDueSince: null,
      suspendedForNonpayment: false,
    });
    const [paid] = await invoicesOf(overage.id);
    expect(paid).toMatchObject({ status: 'paid', amountPaid: 6_180, amountDue: 0 });
    expect(
      (await auditsOf(overage.id, 'tenant.status_changed')).map((row) => [
        row.actorType,
        (row.metadata as { to?: string }).to,
      ]),
    ).toEqual(
      // past due and suspended share a transaction (and so a timestamp): in any order.
      expect.arrayContaining([
        ['system', 'past_due'],
        ['system', 'suspended'],
        ['system', 'active'],
      ]),
    );
    expect(await auditsOf(overage.id, 'tenant.status_changed')).toHaveLength(3);
    // Paid: the overdue pass leaves it alone from now on.
    await withPlatform((tx) => markOverdueInvoices(tx, at(5, 1)));
    expect((await tenantRow(overage.id)).status).toBe('active');
  });
});

describe('period end without a scheduled change', () => {
  it('keeps a plan an operator set in the registry, and the account follows it', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    await withPlatform(async (tx) => {
      await tx.insert(billingAccounts).values({
        tenantId: tenant.id,
        plan: 'pro',
        status: 'active',
        currentPeriodStart: at(5, 1),
        currentPeriodEnd: at(6, 1),
      });
      await updateTenant(tx, {
        id: tenant.id,
        changes: { plan: 'business' },
        actor: { type: 'operator', id: null },
      });
      await applyPeriodTransitions(tx, at(6, 1, 0, 5));
    });
    expect((await tenantRow(tenant.id)).plan).toBe('business');
    expect(await accountOf(tenant.id)).toMatchObject({
      plan: 'business',
      currentPeriodStart: at(6, 1),
      currentPeriodEnd: at(7, 1),
    });
  });
});
