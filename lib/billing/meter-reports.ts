import 'server-only';
import { and, eq, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import {
  billingAccounts,
  meterReconciliations,
  meterReports,
  tenants,
  type MeterReport,
  type SubscriptionStatus,
} from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import { log } from '@/lib/log';
import { allowancesOf, figuresByTenant, periodOf, type MeteredFigures } from '@/lib/metering';
import { billedOverage, meteredLimits, type Entitled } from '@/lib/plans';
import { meterEventName } from './catalogue';

/**
 * Overage goes to Stripe's billing meters as increments: each run compares the period's overage
 * from the rollups (the same figure ratePeriod bills) with what was already reported and reports
 * the difference. The report row is written first (pending) with an identifier naming the
 * tenant, metric, period and the cumulative total it brings the period to; it is sent after the
 * row commits and marked sent. A crash or a failed call leaves it pending, and the next run sends
 * the same identifier again, which Stripe counts once. Overage is reported in whole units of the
 * metric (Stripe's price divides into blocks); a gauge (storage) is reported at its peak.
 */

const LIVE_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];
const LATE_USAGE_WINDOW_MS = 3_600_000;

export function reportIdentifier(params: {
  tenantId: string;
  metric: string;
  periodStart: Date;
  cumulative: number;
}): string {
  return `tenantry:${params.tenantId}:${params.metric}:${params.periodStart.toISOString()}:${params.cumulative}`;
}

type StripeAccount = Entitled & { tenantId: string; customer: string | null };

/** Tenants billed through Stripe with a customer, with what rating needs of their plan. */
function stripeAccounts(tx: Transaction, statuses?: readonly SubscriptionStatus[]) {
  return tx
    .select({
      tenantId: billingAccounts.tenantId,
      customer: billingAccounts.stripeCustomerId,
      plan: tenants.plan,
      featureOverrides: tenants.featureOverrides,
      limitOverrides: tenants.limitOverrides,
      overageOverrides: tenants.overageOverrides,
    })
    .from(billingAccounts)
    .innerJoin(tenants, eq(tenants.id, billingAccounts.tenantId))
    .where(
      and(
        eq(billingAccounts.mode, 'stripe'),
        isNotNull(billingAccounts.stripeCustomerId),
        statuses ? inArray(billingAccounts.status, [...statuses]) : undefined,
      ),
    ) as Promise<StripeAccount[]>;
}

/** Per tenant, then metric, totals over the period's reports (one grouped query for them all). */
async function reportTotals<K extends string>(
  tx: Transaction,
  params: { tenantIds: readonly string[]; periodStart: Date; sentOnly: boolean },
  totals: Record<K, SQL<number>>,
): Promise<Map<string, Map<string, Record<K, number>>>> {
  const byTenant = new Map<string, Map<string, Record<K, number>>>();
  if (!params.tenantIds.length) return byTenant;
  const rows = (await tx
    .select({ tenantId: meterReports.tenantId, metric: meterReports.metric, ...totals })
    .from(meterReports)
    .where(
      and(
        inArray(meterReports.tenantId, [...params.tenantIds]),
        eq(meterReports.periodStart, params.periodStart),
        params.sentOnly ? eq(meterReports.status, 'sent') : undefined,
      ),
    )
    .groupBy(meterReports.tenantId, meterReports.metric)) as unknown as Array<
    { tenantId: string; metric: string } & Record<K, number>
  >;
  for (const row of rows) {
    const metrics = byTenant.get(row.tenantId) ?? new Map<string, Record<K, number>>();
    metrics.set(row.metric, row);
    byTenant.set(row.tenantId, metrics);
  }
  return byTenant;
}

/** The period's overage to bill per metric, in whole units, from the tenant's figures. */
function overageByMetric(
  tenant: Entitled,
  figures: MeteredFigures,
  now: Date,
): Map<string, number> {
  const allowances = allowancesOf(tenant, figures, now);
  const overage = new Map(allowances.map((usage) => [usage.limit, usage.overage]));
  return new Map(
    billedOverage(tenant, allowances).map((line) => [
      meteredLimits[line.limit].metric,
      Math.floor(overage.get(line.limit) ?? 0),
    ]),
  );
}

/** Writes the pending reports this run owes (one per tenant and metric whose overage grew). */
export async function planMeterReports(tx: Transaction, now: Date): Promise<number> {
  // Usage of a month's last minutes reaches the rollups after midnight: for the first hour of a
  // period (Stripe finalises the last period's invoice about an hour after it ends), the last
  // period is settled as of its final moment as well.
  const current = periodOf(now);
  const moments = [now];
  if (now.getTime() - current.start.getTime() < LATE_USAGE_WINDOW_MS)
    moments.unshift(new Date(current.start.getTime() - 1));
  const accounts = await stripeAccounts(tx, LIVE_STATUSES);
  const tenantIds = accounts.map((account) => account.tenantId);
  let planned = 0;
  for (const moment of moments) {
    const periodStart = periodOf(moment).start;
    const figures = await figuresByTenant(tx, moment, tenantIds);
    const reported = await reportTotals(
      tx,
      { tenantIds, periodStart, sentOnly: false },
      { cumulative: sql<number>`coalesce(max(${meterReports.cumulative}), 0)::float8` },
    );
    for (const account of accounts) {
      const { tenantId } = account;
      const owed = overageByMetric(account, figures.get(tenantId) ?? {}, moment);
      for (const [metric, cumulative] of owed) {
        const quantity = cumulative - Number(reported.get(tenantId)?.get(metric)?.cumulative ?? 0);
        if (quantity <= 0) continue;
        const inserted = await tx
          .insert(meterReports)
          .values({
            tenantId,
            metric,
            periodStart,
            identifier: reportIdentifier({ tenantId, metric, periodStart, cumulative }),
            quantity,
            cumulative,
          })
          .onConflictDoNothing()
          .returning({ id: meterReports.id });
        planned += inserted.length;
      }
    }
  }
  return planned;
}

/**
 * Sends every pending report (this run's and any an earlier run left) and marks it sent. The
 * event's timestamp falls inside its period, so Stripe bills it on that period's invoice.
 */
export async function sendMeterReports(
  stripe: Stripe,
  options: { now?: Date; database?: Database } = {},
): Promise<{ sent: number; failed: number }> {
  const now = options.now ?? new Date();
  const pending = await withPlatform(
    (tx) =>
      tx
        .select({ report: meterReports, customer: billingAccounts.stripeCustomerId })
        .from(meterReports)
        .innerJoin(billingAccounts, eq(billingAccounts.tenantId, meterReports.tenantId))
        .where(eq(meterReports.status, 'pending'))
        .orderBy(meterReports.createdAt),
    options.database,
  );
  let sent = 0;
  let failed = 0;
  for (const { report, customer } of pending) {
    const outcome = await sendOne(stripe, report, customer, now);
    await withPlatform(
      (tx) =>
        tx
          .update(meterReports)
          .set(
            outcome.ok
              ? {
                  status: 'sent',
                  sentAt: now,
                  attempts: sql`${meterReports.attempts} + 1`,
                  lastError: null,
                }
              : { attempts: sql`${meterReports.attempts} + 1`, lastError: outcome.error },
          )
          .where(eq(meterReports.id, report.id)),
      options.database,
    );
    if (outcome.ok) sent++;
    else failed++;
  }
  return { sent, failed };
}

async function sendOne(
  stripe: Stripe,
  report: MeterReport,
  customer: string | null,
  now: Date,
): Promise<{ ok: true } | { ok: false; error: string }> {
  if (!customer) return { ok: false, error: 'The tenant has no Stripe customer.' };
  const periodEnd = periodOf(report.periodStart).end;
  const timestamp = Math.floor(Math.min(now.getTime(), periodEnd.getTime() - 1000) / 1000);
  try {
    await stripe.billing.meterEvents.create({
      event_name: meterEventName(report.metric),
      identifier: report.identifier,
      timestamp,
      payload: { stripe_customer_id: customer, value: String(report.quantity) },
    });
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.warn(
      { reportId: report.id, tenantId: report.tenantId, err: message },
      'billing.meter_report_failed',
    );
    return { ok: false, error: message.slice(0, 500) };
  }
}

/**
 * Compares, per Stripe tenant and billed metric of the period, the overage the rollups give,
 * what Tenantry reported (sent), and what Stripe's meter summary holds for the customer; keeps
 * the latest comparison in meter_reconciliations and logs each difference
 * (billing.meter_mismatch). A difference is flagged for operators, never corrected silently.
 */
export async function reconcileMeterReports(
  stripe: Stripe,
  options: { now?: Date; database?: Database } = {},
): Promise<{ checked: number; mismatches: number }> {
  const now = options.now ?? new Date();
  const period = periodOf(now);
  // Stripe aggregates to minute boundaries.
  const endTime = Math.floor(Math.min(now.getTime(), period.end.getTime()) / 60_000) * 60;
  const meters = new Map(
    (await stripe.billing.meters.list({ limit: 100 })).data.map((meter) => [
      meter.event_name,
      meter.id,
    ]),
  );
  return withPlatform(async (tx) => {
    const accounts = await stripeAccounts(tx);
    const tenantIds = accounts.map((account) => account.tenantId);
    const figures = await figuresByTenant(tx, now, tenantIds);
    const sent = await reportTotals(
      tx,
      { tenantIds, periodStart: period.start, sentOnly: true },
      {
        total: sql<number>`coalesce(sum(${meterReports.quantity}), 0)::float8`,
        // What Stripe's summary can hold: events sent (timestamped) before its window's end.
        inWindow: sql<number>`coalesce(sum(${meterReports.quantity}) filter (where ${meterReports.sentAt} < ${new Date(endTime * 1000)}), 0)::float8`,
      },
    );
    let checked = 0;
    let mismatches = 0;
    for (const account of accounts) {
      const { tenantId, customer } = account;
      const expected = overageByMetric(account, figures.get(tenantId) ?? {}, now);
      const totals = sent.get(tenantId) ?? new Map<string, { total: number; inWindow: number }>();
      const reported = new Map([...totals].map(([metric, row]) => [metric, Number(row.total)]));
      const inWindow = new Map([...totals].map(([metric, row]) => [metric, Number(row.inWindow)]));
      for (const metric of new Set([...expected.keys(), ...reported.keys()])) {
        const meterId = meters.get(meterEventName(metric));
        let stripeTotal: number | null = null;
        if (meterId && customer) {
          const summaries = await stripe.billing.meters.listEventSummaries(meterId, {
            customer,
            start_time: Math.floor(period.start.getTime() / 1000),
            end_time: endTime,
          });
          stripeTotal = summaries.data.reduce((sum, s) => sum + s.aggregated_value, 0);
        }
        const row = {
          expected: expected.get(metric) ?? 0,
          reported: reported.get(metric) ?? 0,
          stripeTotal,
        };
        const matches =
          row.expected === row.reported &&
          (stripeTotal === null || stripeTotal === (inWindow.get(metric) ?? 0));
        await tx
          .insert(meterReconciliations)
          .values({ tenantId, metric, periodStart: period.start, ...row, matches, checkedAt: now })
          .onConflictDoUpdate({
            target: [
              meterReconciliations.tenantId,
              meterReconciliations.metric,
              meterReconciliations.periodStart,
            ],
            set: { ...row, matches, checkedAt: now },
          });
        checked++;
        if (!matches) {
          mismatches++;
          log.warn({ tenantId, metric, ...row }, 'billing.meter_mismatch');
        }
      }
    }
    return { checked, mismatches };
  }, options.database);
}
