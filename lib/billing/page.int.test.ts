import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { budgetAlerts, usageEvents } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { refreshUsageRollups } from '@/lib/metering';
import { budgetInput, saveBudget } from './budgets';
import { saveInvoice } from './invoices';
import { runBillingJobs } from './jobs';
import { loadBillingPage } from './page';
import { changeInternalPlan } from './subscriptions';

// March 2024, a fixed past period no other suite uses: the billing pass runs over every tenant
// of a shared database, and in 2024 it finds no period to invoice, nobody overdue or past due,
// and alerts budgets for March 2024 only.
const march = (day: number, hour = 12) => new Date(Date.UTC(2024, 2, day, hour));
const now = march(16);
const system = { type: 'system', id: null } as const;

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

async function usedInMarch(tenantId: string, metric: string, value: number) {
  await withPlatform((tx) =>
    tx.insert(usageEvents).values({
      tenantId,
      metric,
      value,
      idempotencyKey: randomUUID(),
      occurredAt: march(2),
      properties: {},
      source: 'system',
    }),
  );
  await refreshUsageRollups({ wait: true });
}

const page = (tenantId: string) =>
  withTenant(tenantId, (tx) => loadBillingPage(tx, { tenantId, now }));

/**
 * A plan change and the page after it in one transaction: on a shared database another suite's
 * period-end pass (applyPeriodTransitions at a later date) skips the locked account meanwhile.
 */
const changeThenLoad = (tenantId: string, plan: 'free' | 'pro') =>
  withTenant(tenantId, async (tx) => {
    await changeInternalPlan(tx, { tenantId, plan, actor: system, now });
    return loadBillingPage(tx, { tenantId, now });
  });

describe('the billing page', () => {
  it('shows the plan, spend to date with its lines, the forecast, budget and invoices', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    // 1,300,000 calls: 300,000 past Pro's million, 30 blocks at 50 ¢.
    await usedInMarch(tenant.id, 'api_calls', 1_300_000);
    await withTenant(tenant.id, (tx) =>
      saveBudget(tx, {
        tenantId: tenant.id,
        input: budgetInput.parse({ amount: '100', thresholds: '50, 80, 100' }),
        actor: system,
      }),
    );
    await withPlatform((tx) =>
      saveInvoice(tx, {
        tenantId: tenant.id,
        source: 'internal',
        number: 'PAGE-202402',
        status: 'paid',
        currency: 'usd',
        periodStart: new Date(Date.UTC(2024, 1, 1)),
        periodEnd: new Date(Date.UTC(2024, 2, 1)),
        lines: [
          { kind: 'plan', description: 'Pro plan', quantity: 1, unitAmount: 4_900, amount: 4_900 },
        ],
      }),
    );

    const billing = await page(tenant.id);
    expect(billing).toMatchObject({
      mode: 'internal',
      plan: { id: 'pro', name: 'Pro', priceText: '$49.00 a month' },
      statusText: 'Active',
      pendingText: null,
      period: { label: 'March 2024', endsText: '31 March 2024' },
      spend: {
        total: 6_400,
        totalText: '$64.00',
        lines: [
          { description: 'Pro plan', amountText: '$49.00' },
          {
            description: expect.stringMatching(/^API calls per month: 300,000 calls/),
            amount: 1_500,
          },
        ],
      },
      budget: { amount: 10_000, amountText: '$100.00', percent: 64, capOverage: false },
      alerts: [],
      invoices: [{ number: 'PAGE-202402', status: 'paid', totalText: '$49.00' }],
      moreInvoices: false,
      hasStripeCustomer: false,
      hasSubscription: false,
    });
    // Half the month gone at this pace: the calls double, so does their overage.
    expect(billing.forecast.total).toBeGreaterThan(billing.spend.total);
    expect(billing.budget!.forecastPercent).toBeGreaterThan(billing.budget!.percent);
    expect(billing.plans.map((p) => [p.id, p.change, p.trialDays])).toEqual([
      ['free', 'downgrade', 0],
      ['pro', 'current', 0],
      ['business', 'upgrade', 0],
      ['enterprise', 'upgrade', 0],
    ]);

    // A downgrade waits for the period's end, and the page says so.
    expect((await changeThenLoad(tenant.id, 'free')).pendingText).toBe(
      'Cancels at the end of the period: moves to the Free plan on 1 April 2024.',
    );
  });

  it('offers a free tenant the trials, and shows the trial once it runs', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const before = await page(tenant.id);
    expect(before.spend.totalText).toBe('$0.00');
    expect(before.plans.filter((p) => p.trialDays > 0).map((p) => p.id)).toEqual([
      'pro',
      'business',
    ]);
    const after = await changeThenLoad(tenant.id, 'pro');
    expect(after.statusText).toBe('Trial until 30 March 2024');
    // The trial ends before the period does, so the base is owed.
    expect(after.spend.lines[0]).toMatchObject({ description: 'Pro plan', amount: 4_900 });
    expect(after.plans.every((p) => p.trialDays === 0)).toBe(true);
  });
});

describe('runBillingJobs', () => {
  it('runs every step of a pass and alerts a budget the spend has reached', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    await withTenant(tenant.id, (tx) =>
      saveBudget(tx, {
        tenantId: tenant.id,
        input: budgetInput.parse({ amount: '60', thresholds: '50, 100' }),
        actor: system,
      }),
    );
    const report = await runBillingJobs({ now, stripe: null });
    expect(report).toMatchObject({
      ran: true,
      invoices: expect.any(Number),
      transitions: expect.any(Number),
      overdue: expect.any(Number),
      suspended: expect.any(Number),
      meters: null,
      reconciliation: null,
    });
    expect(report.alerts.alerts).toBeGreaterThanOrEqual(1);
    const alerts = await withPlatform((tx) =>
      tx
        .select({ threshold: budgetAlerts.threshold })
        .from(budgetAlerts)
        .where(
          and(eq(budgetAlerts.tenantId, tenant.id), eq(budgetAlerts.periodStart, march(1, 0))),
        ),
    );
    // $49 of $60 is 81 %: the 50 % threshold, not the 100 %.
    expect(alerts).toEqual([{ threshold: 50 }]);
    expect((await page(tenant.id)).alerts).toEqual([
      expect.objectContaining({
        threshold: 50,
        text: 'Spend reached 50 % of the $60.00 budget ($49.00).',
      }),
    ]);
  });
});
