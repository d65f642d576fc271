import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import {
  auditEvents,
  billingAccounts,
  billingBudgets,
  budgetAlerts,
  mailOutbox,
  usageEvents,
} from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { AppError } from '@/lib/errors';
import { assertWithinAllowances, forgetCachedFigures, refreshUsageRollups } from '@/lib/metering';
import type { MeteredLimit } from '@/lib/plans';
import { budgetInput, saveBudget, sendBudgetAlerts, thresholdsReached } from './budgets';

// Budgets in June 2025: a fixed, long-past period, so usage other suites record at the real time
// on a shared PostgreSQL never counts here. Usage goes the real way (raw usage_events rolled up by
// refreshUsageRollups). Every assertion is scoped to this suite's tenants: sendBudgetAlerts runs
// over every budgeted tenant of the database.

const june = (day: number, hour = 12) => new Date(Date.UTC(2025, 5, day, hour));
const now = june(15);
const july = new Date(Date.UTC(2025, 6, 1));

let handle: DatabaseHandle;
type Tenant = { id: string; slug: string };

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));
beforeEach(() => forgetCachedFigures());

async function usedInJune(tenant: Tenant, metric: string, value: number) {
  await withPlatform((tx) =>
    tx.insert(usageEvents).values({
      tenantId: tenant.id,
      metric,
      value,
      idempotencyKey: randomUUID(),
      occurredAt: june(3),
      properties: {},
      source: 'system',
    }),
  );
  await refreshUsageRollups({ wait: true });
  forgetCachedFigures(tenant.id);
}

/** Saves a budget the way the settings form does: parsed by budgetInput, as a billing manager. */
async function budget(
  tenant: Tenant,
  form: { amount: string; thresholds?: string; capOverage?: 'on' | '' },
  actorId: string | null = null,
) {
  const input = budgetInput.parse({ thresholds: '50, 80, 100', ...form });
  const saved = await withTenant(tenant.id, (tx) =>
    saveBudget(tx, {
      tenantId: tenant.id,
      input,
      actor: actorId ? { type: 'user', id: actorId } : { type: 'system', id: null },
    }),
  );
  forgetCachedFigures(tenant.id);
  return saved;
}

const allowed = (tenant: Tenant, limits: MeteredLimit[]) =>
  withTenant(tenant.id, (tx) => assertWithinAllowances(tx, tenant.id, limits, now));

async function refused(tenant: Tenant, limits: MeteredLimit[]): Promise<AppError> {
  const error = await allowed(tenant, limits).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const issuesOf = (input: Record<string, unknown>) => {
  const result = budgetInput.safeParse({ amount: '100', thresholds: '50', ...input });
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe('budgetInput', () => {
  it('parses dollars to cents, thresholds to sorted distinct percentages, and the cap switch', () => {
    expect(
      budgetInput.parse({ amount: ' 250.5 ', thresholds: '100, 50 80% 80', capOverage: 'on' }),
    ).toEqual({ amount: 25_050, thresholds: [50, 80, 100], capOverage: true });
    expect(budgetInput.parse({ amount: '1', thresholds: '200' })).toEqual({
      amount: 100,
      thresholds: [200],
      capOverage: false,
    });
    expect(budgetInput.parse({ amount: '0.01', thresholds: '1', capOverage: '' }).capOverage).toBe(
      false,
    );
    // Six entries, five distinct: fine.
    expect(budgetInput.parse({ amount: '10', thresholds: '10,20,30,40,50,50' }).thresholds).toEqual(
      [10, 20, 30, 40, 50],
    );
  });

  it('refuses a bad amount', () => {
    for (const amount of ['', 'abc', '12.345', '-5', '1e3', '1,000', '1234567890'])
      expect({ amount, issues: issuesOf({ amount }) }).toEqual({
        amount,
        issues: ['Enter an amount like 250 or 250.50.'],
      });
    for (const amount of ['0', '0.00'])
      expect(issuesOf({ amount })).toEqual(['The budget must be more than zero.']);
  });

  it('refuses thresholds out of 1–200, fractions, none, and more than five', () => {
    for (const thresholds of ['0', '201', '50, 250', '50.5', 'half', '', ' , '])
      expect({ thresholds, issues: issuesOf({ thresholds }) }).toEqual({
        thresholds,
        issues: ['Use whole percentages from 1 to 200, e.g. 50, 80, 100.'],
      });
    expect(issuesOf({ thresholds: '10 20 30 40 50 60' })).toEqual(['Use at most five thresholds.']);
    expect(issuesOf({ capOverage: 'yes' })).toHaveLength(1);
  });
});

describe('saveBudget', () => {
  it('creates, then replaces, the one budget of the tenant, audited with before and after', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const owner = await createMember(tenant.id, { role: 'owner' });
    const first = await budget(tenant, { amount: '100', thresholds: '80,50' }, owner.userId);
    expect(first).toMatchObject({
      tenantId: tenant.id,
      amount: 10_000,
      thresholds: [50, 80],
      capOverage: false,
      updatedBy: owner.userId,
    });
    await budget(tenant, { amount: '250.50', thresholds: '100', capOverage: 'on' }, owner.userId);

    const rows = await withTenant(tenant.id, (tx) =>
      tx.select().from(billingBudgets).where(eq(billingBudgets.tenantId, tenant.id)),
    );
    expect(rows).toEqual([
      expect.objectContaining({ amount: 25_050, thresholds: [100], capOverage: true }),
    ]);
    const audits = await withPlatform((tx) =>
      tx
        .select({ actorId: auditEvents.actorId, metadata: auditEvents.metadata })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.tenantId, tenant.id),
            eq(auditEvents.action, 'billing.budget_updated'),
          ),
        )
        .orderBy(asc(auditEvents.createdAt)),
    );
    expect(audits).toEqual([
      {
        actorId: owner.userId,
        metadata: {
          before: null,
          after: { amount: 10_000, thresholds: [50, 80], capOverage: false },
        },
      },
      {
        actorId: owner.userId,
        metadata: {
          before: { amount: 10_000, thresholds: [50, 80], capOverage: false },
          after: { amount: 25_050, thresholds: [100], capOverage: true },
        },
      },
    ]);
  });
});

describe('sendBudgetAlerts', () => {
  it('alerts the billing managers once per threshold and period, naming the highest reached', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const [owner, , billing] = await Promise.all([
      createMember(tenant.id, { role: 'owner', email: `owner-${tenant.slug}@example.test` }),
      createMember(tenant.id, { role: 'admin' }),
      createMember(tenant.id, { role: 'billing', email: `billing-${tenant.slug}@example.test` }),
      createMember(tenant.id, { role: 'member' }),
    ]);
    // Below every threshold: never alerted.
    const calm = await createTenant({ plan: 'pro' });
    await createMember(calm.id, { role: 'owner' });
    await budget(calm, { amount: '1000' });
    // $50 with thresholds 50/80/100; Pro's base alone ($49) is 98 % of it.
    await budget(tenant, { amount: '50' });

    const outbox = (t: Tenant) =>
      withPlatform((tx) =>
        tx
          .select({ to: mailOutbox.recipient, subject: mailOutbox.subject, text: mailOutbox.text })
          .from(mailOutbox)
          // This suite's periods (June, July 2025) only: another suite's pass may alert for others.
          .where(like(mailOutbox.subject, `Tenant ${t.slug} has spent % 2025 budget`))
          .orderBy(asc(mailOutbox.createdAt), asc(mailOutbox.recipient)),
      );
    const alertsOf = (t: Tenant) =>
      withPlatform((tx) =>
        tx
          .select({
            threshold: budgetAlerts.threshold,
            periodStart: budgetAlerts.periodStart,
            spend: budgetAlerts.spend,
            budget: budgetAlerts.budget,
            recipients: budgetAlerts.recipients,
          })
          .from(budgetAlerts)
          .where(
            and(
              eq(budgetAlerts.tenantId, t.id),
              inArray(budgetAlerts.periodStart, [june(1, 0), july]),
            ),
          )
          .orderBy(asc(budgetAlerts.threshold)),
      );

    const first = await sendBudgetAlerts({ now });
    expect(first.alerts).toBeGreaterThanOrEqual(2);
    expect(first.emails).toBeGreaterThanOrEqual(2);
    const periodStart = new Date(Date.UTC(2025, 5, 1));
    expect(await alertsOf(tenant)).toEqual([
      { threshold: 50, periodStart, spend: 4_900, budget: 5_000, recipients: 2 },
      { threshold: 80, periodStart, spend: 4_900, budget: 5_000, recipients: 2 },
    ]);
    // billing:manage holders only: the owner and the billing role, not the admin or the member.
    const sent = await outbox(tenant);
    expect(sent.map((mail) => [mail.to, mail.subject])).toEqual([
      [billing.email, `Tenant ${tenant.slug} has spent 80 % of its June 2025 budget`],
      [owner.email, `Tenant ${tenant.slug} has spent 80 % of its June 2025 budget`],
    ]);
    expect(sent[0]!.text).toContain('$49.00 of its $50.00 monthly budget');
    expect(sent[0]!.text).toContain(`${tenant.slug}.`);
    expect(sent[0]!.text).toContain('/settings/billing');

    // Again in the same period: nothing new.
    await sendBudgetAlerts({ now: june(16) });
    expect(await alertsOf(tenant)).toHaveLength(2);
    expect(await outbox(tenant)).toHaveLength(2);

    // Overage brings the period to $50: the 100 % alert, once.
    await usedInJune(tenant, 'api_calls', 1_020_000);
    await sendBudgetAlerts({ now: june(17) });
    await sendBudgetAlerts({ now: june(18) });
    expect((await alertsOf(tenant)).map((alert) => [alert.threshold, alert.spend])).toEqual([
      [50, 4_900],
      [80, 4_900],
      [100, 5_000],
    ]);
    const all = await outbox(tenant);
    expect(all).toHaveLength(4);
    expect(all.slice(2).map((mail) => [mail.to, mail.subject])).toEqual([
      [billing.email, `Tenant ${tenant.slug} has spent 100 % of its June 2025 budget`],
      [owner.email, `Tenant ${tenant.slug} has spent 100 % of its June 2025 budget`],
    ]);

    // A new period starts over.
    await sendBudgetAlerts({ now: new Date(Date.UTC(2025, 6, 2)) });
    expect(await alertsOf(tenant)).toHaveLength(5);
    expect(await alertsOf(calm)).toEqual([]);
    expect(await outbox(calm)).toEqual([]);
  });

  it('thresholdsReached compares spend × 100 with budget × threshold exactly', () => {
    const b = { amount: 5_000, thresholds: [50, 80, 100, 150] };
    expect(thresholdsReached(2_499, b)).toEqual([]);
    expect(thresholdsReached(2_500, b)).toEqual([50]);
    expect(thresholdsReached(4_999, b)).toEqual([50, 80]);
    expect(thresholdsReached(7_500, b)).toEqual([50, 80, 100, 150]);
  });
});

describe('the budget cap (assertWithinAllowances)', () => {
  it('refuses allow-policy work past its allowance once spend reaches the budget, and only then', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    // Exactly Pro's million calls: at the allowance, nothing billed past it. Spend: the $49 base.
    await usedInJune(tenant, 'api_calls', 1_000_000);
    await budget(tenant, { amount: '50', capOverage: 'on' });
    await expect(allowed(tenant, ['api_calls_per_month'])).resolves.toBeUndefined();

    // 200,000 past it: 20 blocks of 50 ¢, spend $59 ≥ $50.
    await usedInJune(tenant, 'api_calls', 200_000);
    const error = await refused(tenant, ['api_calls_per_month']);
    expect(error.code).toBe('quota_exceeded');
    expect(error.message).toMatch(/monthly budget of \$50\.00/);
    expect(error.retryAfterSeconds).toBe(Math.ceil((july.getTime() - now.getTime()) / 1000));

    // Work that stays within its allowance is never refused by the budget.
    forgetCachedFigures(tenant.id);
    await expect(allowed(tenant, ['compute_ms_per_month'])).resolves.toBeUndefined();
    await expect(allowed(tenant, [])).resolves.toBeUndefined();

    // Without the cap, overage is served (and billed).
    await budget(tenant, { amount: '50', capOverage: '' });
    await expect(allowed(tenant, ['api_calls_per_month'])).resolves.toBeUndefined();
    // With the cap and a budget above the spend, too.
    await budget(tenant, { amount: '59.01', capOverage: 'on' });
    await expect(allowed(tenant, ['api_calls_per_month'])).resolves.toBeUndefined();
    await budget(tenant, { amount: '59', capOverage: 'on' });
    expect((await refused(tenant, ['api_calls_per_month'])).code).toBe('quota_exceeded');
  });

  it('never refuses usage within the allowance, even with the budget below the base', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    await usedInJune(tenant, 'api_calls', 999_999);
    await budget(tenant, { amount: '10', capOverage: 'on' });
    await expect(allowed(tenant, ['api_calls_per_month'])).resolves.toBeUndefined();
    // The first call past the allowance is the one refused.
    await usedInJune(tenant, 'api_calls', 1);
    expect((await refused(tenant, ['api_calls_per_month'])).code).toBe('quota_exceeded');
  });

  it('counts no base while a trial covers the period, as the billing page does', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    await withPlatform((tx) =>
      tx.insert(billingAccounts).values({
        tenantId: tenant.id,
        plan: 'pro',
        status: 'trialing',
        trialEndsAt: july,
        trialUsed: true,
      }),
    );
    // 200,000 calls past the allowance: $10 of overage, and no $49 base under the trial.
    await usedInJune(tenant, 'api_calls', 1_200_000);
    await budget(tenant, { amount: '10.01', capOverage: 'on' });
    await expect(allowed(tenant, ['api_calls_per_month'])).resolves.toBeUndefined();
    await budget(tenant, { amount: '10', capOverage: 'on' });
    expect((await refused(tenant, ['api_calls_per_month'])).code).toBe('quota_exceeded');
  });

  it('leaves block-policy allowances to their own refusal, and tenants without a budget alone', async () => {
    const free = await createTenant({ plan: 'free' });
    await usedInJune(free, 'api_calls', 10_000);
    await budget(free, { amount: '1000', capOverage: 'on' });
    const error = await refused(free, ['api_calls_per_month']);
    expect(error.message).toMatch(/10,000 calls/);
    expect(error.message).not.toMatch(/budget/);

    const unbudgeted = await createTenant({ plan: 'pro' });
    await usedInJune(unbudgeted, 'api_calls', 5_000_000);
    await expect(allowed(unbudgeted, ['api_calls_per_month'])).resolves.toBeUndefined();
  });
});
