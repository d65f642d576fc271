import Link from 'next/link';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireOperator } from '@/lib/actions';
import { formatQuantity, formatResetTime, type AllowanceUsage } from '@/lib/metering';
import {
  defaultDirection,
  listTenantUsage,
  overagePolicyLabels,
  usageSortQuery,
  type UsageSort,
  type UsageSortField,
} from '@/lib/operators';
import { meteredLimitNames, plans, type MeteredLimit } from '@/lib/plans';
import { statusLabels } from '@/lib/tenancy';
import { StatusBadge } from '../_components/status-badge';
import { TenantRowHeader } from '../_components/tenant-row-header';

export const metadata = { title: 'Usage' };

/** Column headings: short, since six allowances share the row. */
const allowanceLabels: Record<MeteredLimit, string> = {
  api_calls_per_month: 'API calls',
  compute_ms_per_month: 'Compute',
  egress_bytes_per_month: 'Egress',
  feature_uses_per_month: 'Feature uses',
  storage_bytes: 'Storage',
  members: 'Members',
};

const columnLabels: Record<UsageSortField, string> = {
  tenant: 'Tenant',
  plan: 'Plan',
  status: 'Status',
  nearest: 'Nearest limit',
  ...allowanceLabels,
};

const monthFormat = new Intl.DateTimeFormat('en-GB', {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

const planName = (plan: string) => plans[plan as keyof typeof plans]?.name ?? plan;

/** Whole percent, rounded down so 99.6 % never reads as the limit; a sliver reads "<1%". */
function formatPercent(percent: number): string {
  if (percent > 0 && percent < 1) return '<1%';
  return `${Math.floor(percent).toLocaleString('en')}%`;
}

function percentTone(percent: number): BadgeTone {
  return percent >= 100 ? 'danger' : percent >= 80 ? 'warning' : 'neutral';
}

function usageHref(order: UsageSort): string {
  if (order.sort === 'tenant' && order.direction === 'asc') return '/admin/usage';
  return `/admin/usage?${new URLSearchParams({ sort: order.sort, dir: order.direction }).toString()}`;
}

const directionWords = { asc: 'ascending', desc: 'descending' } as const;

/** A column heading that sorts by its column; a second click on the sorted one reverses it. */
function SortHeader({ field, current }: { field: UsageSortField; current: UsageSort }) {
  const active = current.sort === field;
  const next = active ? (current.direction === 'asc' ? 'desc' : 'asc') : defaultDirection(field);
  return (
    <Th
      aria-sort={active ? directionWords[current.direction] : undefined}
      className="whitespace-nowrap"
    >
      {/* A plain link (a full page load), not next/link: in `next start` a second client-side
          navigation between this page's search params was answered but never committed (URL
          and table stayed put), likely the loading-boundary issue noted in (list)/loading.tsx. */}
      <a
        href={usageHref({ sort: field, direction: next })}
        className="inline-flex items-center gap-1 hover:underline"
      >
        {columnLabels[field]}
        <span className="sr-only"> (sort {directionWords[next]})</span>
        <span aria-hidden className="text-xs text-slate-400">
          {active ? (current.direction === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </a>
    </Th>
  );
}

function UsedOfAllowance({ usage }: { usage: AllowanceUsage }) {
  return (
    <>
      {formatQuantity(usage.unit, usage.used)} /{' '}
      {usage.allowance === null ? 'Unlimited' : formatQuantity(usage.unit, usage.allowance)}
    </>
  );
}

function AllowanceCell({ usage }: { usage: AllowanceUsage | undefined }) {
  if (!usage) return <Td className="text-slate-400">—</Td>;
  return (
    <Td>
      <div className="whitespace-nowrap">
        <UsedOfAllowance usage={usage} />
      </div>
      {usage.percent !== null ? (
        <div className="mt-1 flex items-center gap-1 text-xs whitespace-nowrap text-slate-600">
          <Badge tone={percentTone(usage.percent)}>{formatPercent(usage.percent)}</Badge>
          <span>{overagePolicyLabels[usage.policy]}</span>
        </div>
      ) : null}
    </Td>
  );
}

export default async function UsagePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireOperator();
  const order = usageSortQuery.parse(await searchParams);
  const usage = await listTenantUsage(order);
  const { period } = usage;
  const sortedBy = `sorted by “${columnLabels[usage.sort.sort]}”, ${directionWords[usage.sort.direction]}`;

  return (
    <section aria-labelledby="usage-heading" className="space-y-8">
      <div>
        <h1 id="usage-heading" className="text-2xl font-semibold">
          Usage
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Every tenant’s metered allowances in{' '}
          <time dateTime={period.start.toISOString()}>{monthFormat.format(period.start)}</time>{' '}
          (UTC). Monthly allowances start again on{' '}
          <time dateTime={period.end.toISOString()}>{formatResetTime(period.end)}</time>; storage
          and members are the latest sample. Figures come from the usage rollups, so they trail live
          use by the rollup job’s interval. Past an allowance, Block refuses the work, Allow serves
          it and bills the excess, Notify serves it and tells the tenant’s admins.
        </p>
      </div>

      {usage.tenants.length === 0 ? (
        <div
          role="status"
          className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600"
        >
          <p className="font-medium">No tenants yet.</p>
          <p className="mt-1 text-sm">
            Usage appears here once workspaces sign up, or the platform API provisions them, and use
            the product.
          </p>
        </div>
      ) : (
        <>
          <section aria-labelledby="nearest-heading" className="space-y-3">
            <div>
              <h2 id="nearest-heading" className="text-lg font-semibold">
                Nearest their limits
              </h2>
              <p className="mt-1 text-sm text-slate-600">
                The tenants with the highest share of any allowance used this period, highest first.
              </p>
            </div>
            {usage.nearest.length === 0 ? (
              <p role="status" className="text-sm text-slate-600">
                No tenant has used any of its limited allowances this period.
              </p>
            ) : (
              <Table caption="Tenants nearest their limits, highest share first">
                <TableHead>
                  <tr>
                    <Th>Tenant</Th>
                    <Th>Allowance</Th>
                    <Th>Used</Th>
                    <Th>Share</Th>
                    <Th>Past the limit</Th>
                  </tr>
                </TableHead>
                <tbody>
                  {usage.nearest.map((row) => (
                    <Tr key={row.tenantId}>
                      <Th scope="row">
                        <Link
                          href={`/admin/tenants/${row.tenantId}`}
                          className="text-brand hover:underline"
                        >
                          {row.name}
                        </Link>
                        <div className="font-mono text-xs font-normal text-slate-500">
                          {row.slug}
                        </div>
                      </Th>
                      <Td>{allowanceLabels[row.allowance.limit]}</Td>
                      <Td className="whitespace-nowrap">
                        <UsedOfAllowance usage={row.allowance} />
                      </Td>
                      <Td>
                        <Badge tone={percentTone(row.allowance.percent ?? 0)}>
                          {formatPercent(row.allowance.percent ?? 0)}
                        </Badge>
                      </Td>
                      <Td>{overagePolicyLabels[row.allowance.policy]}</Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
            )}
          </section>

          <section aria-labelledby="all-usage-heading" className="space-y-3">
            <div>
              <h2 id="all-usage-heading" className="text-lg font-semibold">
                All tenants
              </h2>
              <p role="status" className="mt-1 text-sm text-slate-600">
                {usage.tenants.length.toLocaleString('en')}{' '}
                {usage.tenants.length === 1 ? 'tenant' : 'tenants'}, {sortedBy}. Archived tenants
                are left out.
              </p>
            </div>
            <Table caption={`Usage by tenant, ${sortedBy}`}>
              <TableHead>
                <tr>
                  <SortHeader field="tenant" current={usage.sort} />
                  <SortHeader field="plan" current={usage.sort} />
                  <SortHeader field="status" current={usage.sort} />
                  <SortHeader field="nearest" current={usage.sort} />
                  {meteredLimitNames.map((limit) => (
                    <SortHeader key={limit} field={limit} current={usage.sort} />
                  ))}
                </tr>
              </TableHead>
              <tbody>
                {usage.tenants.map((tenant) => (
                  <Tr key={tenant.tenantId}>
                    <TenantRowHeader tenant={tenant} />
                    <Td className="text-slate-600">{planName(tenant.plan)}</Td>
                    <Td>
                      <StatusBadge status={tenant.status} label={statusLabels[tenant.status]} />
                    </Td>
                    <Td className="whitespace-nowrap">
                      {tenant.nearest?.percent != null ? (
                        <>
                          <Badge tone={percentTone(tenant.nearest.percent)}>
                            {formatPercent(tenant.nearest.percent)}
                          </Badge>{' '}
                          <span className="text-xs text-slate-600">
                            {allowanceLabels[tenant.nearest.limit]}
                          </span>
                        </>
                      ) : (
                        <span className="text-slate-500">Unlimited</span>
                      )}
                    </Td>
                    {meteredLimitNames.map((limit) => (
                      <AllowanceCell
                        key={limit}
                        usage={tenant.allowances.find((row) => row.limit === limit)}
                      />
                    ))}
                  </Tr>
                ))}
              </tbody>
            </Table>
          </section>
        </>
      )}
    </section>
  );
}
