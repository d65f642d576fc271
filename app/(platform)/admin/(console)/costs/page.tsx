import { Badge } from '@/components/ui/badge';
import { SelectField } from '@/components/ui/select';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { buttonClasses } from '@/components/ui/button';
import { requireOperator } from '@/lib/actions';
import {
  centsToDollars,
  formatBillingMonth,
  loadCostReport,
  parsePeriod,
  periodKey,
  recentPeriods,
  unitCostLabels,
  unitCostResources,
  type CostFlag,
  type CostPeriod,
  type UnitCostResource,
} from '@/lib/billing';
import { plans } from '@/lib/plans';
import { Card } from '../_components/card';
import { updateUnitCostsAction } from './actions';
import { UnitCostForm } from './_components/unit-cost-form';
import { TenantRowHeader } from '../_components/tenant-row-header';

export const metadata = { title: 'Costs' };

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

const planName = (plan: string) => plans[plan as keyof typeof plans]?.name ?? plan;

/** Cents as dollars: two decimals, or up to four for a non-zero amount under a dollar. */
function money(cents: number): string {
  const dollars = cents / 100;
  const small = dollars !== 0 && Math.abs(dollars) < 1;
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: small ? 4 : 2,
  }).format(dollars);
}

const quantityUnits: Record<UnitCostResource, string> = {
  storage_gb_month: 'GB-mo',
  requests_million: 'M req',
  compute_hour: 'h',
  egress_gb: 'GB',
};

function quantity(resource: UnitCostResource, value: number): string {
  if (value === 0) return `0 ${quantityUnits[resource]}`;
  if (value < 0.01) return `<0.01 ${quantityUnits[resource]}`;
  return `${value.toLocaleString('en', { maximumFractionDigits: 2 })} ${quantityUnits[resource]}`;
}

function percent(value: number | null): string {
  return value === null ? '—' : `${value.toLocaleString('en', { maximumFractionDigits: 1 })}%`;
}

function periodLabel(period: CostPeriod, current: CostPeriod): string {
  const month = formatBillingMonth(period.start);
  return periodKey(period) === periodKey(current) ? `${month} (to date)` : month;
}

function FlagBadges({ flags }: { flags: readonly CostFlag[] }) {
  if (flags.length === 0) return <span className="text-slate-500">Fits</span>;
  return (
    <ul className="space-y-1">
      {flags.map((flag) => (
        <li key={flag.kind}>
          {flag.kind === 'cheaper_plan' ? (
            <Badge tone="warning">
              Cheaper on {planName(flag.plan)}: saves {money(flag.saving)}
            </Badge>
          ) : (
            <Badge tone="danger">Runs at a loss: {money(flag.loss)}</Badge>
          )}
        </li>
      ))}
    </ul>
  );
}

export default async function CostsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireOperator();
  const now = new Date();
  const period = parsePeriod((await searchParams).period, now);
  const report = await loadCostReport({ period, now });
  const { unitCosts, totals } = report;
  const periods = recentPeriods(now);
  const current = periods[0]!;
  if (!periods.some((p) => periodKey(p) === periodKey(period))) periods.push(period);
  const month = formatBillingMonth(period.start);

  return (
    <section aria-labelledby="costs-heading" className="space-y-8">
      <div>
        <h1 id="costs-heading" className="text-2xl font-semibold">
          Costs
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          What each tenant costs the platform in{' '}
          <time dateTime={period.start.toISOString()}>{month}</time> (UTC), allocated from its
          metered usage at the unit costs below, against what its plan charges for that usage (base
          and overage), and the margin between them.{' '}
          {report.partial
            ? 'The month is still running: figures are month to date, and the plan’s base counts in full.'
            : 'Figures stand at the month’s end.'}{' '}
          Usage comes from the rollups, so it trails live use by the rollup job’s interval.
        </p>
      </div>

      <form method="get" action="/admin/costs" className="flex flex-wrap items-end gap-3">
        <SelectField
          label="Month"
          name="period"
          options={periods.map((p) => ({ value: periodKey(p), label: periodLabel(p, current) }))}
          defaultValue={periodKey(period)}
        />
        <button type="submit" className={buttonClasses('secondary')}>
          Show month
        </button>
      </form>

      <Card
        id="unit-costs-heading"
        title="Unit costs"
        description={
          <>
            What the platform’s own resources cost it, in US dollars per unit (fractions of a cent
            allowed, e.g. 0.023). Storage is charged on the average stored over the month; requests
            are tenant API calls; a GB is 1024³ bytes, as in the plans’ overage prices.{' '}
            {unitCosts.updatedAt ? (
              <>
                Last changed{' '}
                <time dateTime={unitCosts.updatedAt.toISOString()}>
                  {dateTimeFormat.format(unitCosts.updatedAt)} UTC
                </time>
                {unitCosts.updatedBy ? ` by ${unitCosts.updatedBy.name}` : ''}.
              </>
            ) : (
              'No unit cost has been set yet: until then every resource counts as free.'
            )}
          </>
        }
      >
        <UnitCostForm
          action={updateUnitCostsAction}
          fields={unitCostResources.map((resource) => ({
            name: resource,
            label: unitCostLabels[resource].label,
            per: unitCostLabels[resource].per,
            dollars: centsToDollars(unitCosts.amounts[resource]),
            configured: unitCosts.configured.includes(resource),
          }))}
        />
      </Card>

      {report.tenants.length === 0 ? (
        <div
          role="status"
          className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600"
        >
          <p className="font-medium">No tenants in {month}.</p>
          <p className="mt-1 text-sm">
            Costs appear here once workspaces sign up, or the platform API provisions them, and use
            the product. Choose another month above to see earlier ones.
          </p>
        </div>
      ) : (
        <section aria-labelledby="tenant-costs-heading" className="space-y-3">
          <div>
            <h2 id="tenant-costs-heading" className="text-lg font-semibold">
              By tenant
            </h2>
            <p role="status" className="mt-1 text-sm text-slate-600">
              {report.tenants.length.toLocaleString('en')}{' '}
              {report.tenants.length === 1 ? 'tenant' : 'tenants'}: revenue {money(totals.revenue)},
              cost {money(totals.cost.total)}, margin {money(totals.margin)} (
              {percent(totals.marginPercent)}). {totals.loss.toLocaleString('en')} running at a
              loss, {totals.cheaperPlan.toLocaleString('en')} would pay less on another plan that
              carries their usage. Archived tenants appear only for months they used something.
            </p>
          </div>
          <Table caption={`Cost, revenue and margin by tenant, ${month}`}>
            <TableHead>
              <tr>
                <Th>Tenant</Th>
                <Th>Plan</Th>
                {unitCostResources.map((resource) => (
                  <Th key={resource} className="text-right">
                    {unitCostLabels[resource].label}
                  </Th>
                ))}
                <Th className="text-right">Cost</Th>
                <Th className="text-right">Revenue</Th>
                <Th className="text-right">Margin</Th>
                <Th>Flags</Th>
              </tr>
            </TableHead>
            <tbody>
              {report.tenants.map((tenant) => (
                <Tr key={tenant.tenantId}>
                  <TenantRowHeader tenant={tenant} />
                  <Td className="text-slate-600">
                    {planName(tenant.plan)}
                    {tenant.status === 'archived' ? (
                      <div className="text-xs text-slate-500">Archived</div>
                    ) : null}
                  </Td>
                  {unitCostResources.map((resource) => (
                    <Td key={resource} className="text-right whitespace-nowrap tabular-nums">
                      <div>{quantity(resource, tenant.quantities[resource])}</div>
                      <div className="text-xs text-slate-500">
                        {money(tenant.cost.byResource[resource])}
                      </div>
                    </Td>
                  ))}
                  <Td className="text-right whitespace-nowrap tabular-nums">
                    {money(tenant.cost.total)}
                  </Td>
                  <Td className="text-right whitespace-nowrap tabular-nums">
                    {money(tenant.revenue)}
                  </Td>
                  <Td
                    className={`text-right whitespace-nowrap tabular-nums ${tenant.margin < 0 ? 'text-red-700' : ''}`}
                  >
                    <div>{money(tenant.margin)}</div>
                    <div className="text-xs text-slate-500">{percent(tenant.marginPercent)}</div>
                  </Td>
                  <Td>
                    <FlagBadges flags={tenant.flags} />
                  </Td>
                </Tr>
              ))}
            </tbody>
            <tfoot className="border-t-2 border-slate-200 bg-slate-50 font-medium">
              <tr>
                <Th scope="row" colSpan={2}>
                  Total
                </Th>
                {unitCostResources.map((resource) => (
                  <Td key={resource} className="text-right whitespace-nowrap tabular-nums">
                    <div>{quantity(resource, totals.quantities[resource])}</div>
                    <div className="text-xs font-normal text-slate-500">
                      {money(totals.cost.byResource[resource])}
                    </div>
                  </Td>
                ))}
                <Td className="text-right whitespace-nowrap tabular-nums">
                  {money(totals.cost.total)}
                </Td>
                <Td className="text-right whitespace-nowrap tabular-nums">
                  {money(totals.revenue)}
                </Td>
                <Td
                  className={`text-right whitespace-nowrap tabular-nums ${totals.margin < 0 ? 'text-red-700' : ''}`}
                >
                  <div>{money(totals.margin)}</div>
                  <div className="text-xs font-normal text-slate-500">
                    {percent(totals.marginPercent)}
                  </div>
                </Td>
                <Td className="font-normal text-slate-600">
                  {totals.loss.toLocaleString('en')} at a loss,{' '}
                  {totals.cheaperPlan.toLocaleString('en')} cheaper elsewhere
                </Td>
              </tr>
            </tfoot>
          </Table>
        </section>
      )}
    </section>
  );
}
