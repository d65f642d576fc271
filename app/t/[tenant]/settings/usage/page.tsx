import { AllowanceMeter } from '@/components/usage/allowance-meter';
import { UsageChart } from '@/components/usage/usage-chart';
import { UsageDataTable } from '@/components/usage/usage-data-table';
import { buttonClasses } from '@/components/ui/button';
import { requireMember } from '@/lib/actions';
import {
  loadUsageDashboard,
  parseUsageSearch,
  usageGranularities,
  usageGranularityLabels,
  type UsageGranularity,
} from '@/lib/metering';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { TopRoutes } from './_components/top-routes';
import { UsageControls } from './_components/usage-controls';

export const metadata = { title: 'Usage' };

const bucketHeadings: Record<UsageGranularity, string> = {
  hour: 'Hour',
  day: 'Day',
  month: 'Month',
};

const granularityWords: Record<UsageGranularity, string> = {
  hour: 'per hour, last 48 hours',
  day: 'per day, last 31 days',
  month: 'per month, last 12 months',
};

export default async function UsagePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, allowed } = await requireMember('usage:read');
  if (!allowed) return <Forbidden />;

  const { metric, granularity, fieldErrors } = parseUsageSearch(await searchParams);
  const usage = await withTenant(tenant.id, (tx) =>
    loadUsageDashboard(tx, { tenantId: tenant.id, metric, granularity }),
  );
  const exportHref = `/settings/usage/export.csv?${new URLSearchParams({ metric, granularity })}`;
  const chartTitle = `${usage.metric.label} (${usage.metric.unit}) ${granularityWords[granularity]}`;
  const empty = usage.series.every((point) => point.events === 0);

  return (
    <section aria-labelledby="usage-heading" className="space-y-8">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="usage-heading" className="text-2xl font-semibold">
            Usage
          </h1>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">
            What {tenant.name} has used this billing period ({usage.period.label}, UTC) against its
            plan’s allowances, and how usage moves over time. Figures are brought up to date every
            minute or so.
          </p>
        </div>
        {/* A plain link, not <Link>: a prefetch must never start a download. */}
        <a href={exportHref} className={buttonClasses('secondary')}>
          Download CSV
        </a>
      </div>

      {Object.keys(fieldErrors).length > 0 ? (
        <p role="alert" className="text-sm text-red-700">
          The link asked for a metric or granularity that does not exist, so the chart shows the
          default instead.
        </p>
      ) : null}

      {usage.notices.length > 0 ? (
        <section
          aria-labelledby="usage-notices-heading"
          className="rounded-lg border border-amber-300 bg-amber-50 p-4"
        >
          <h2 id="usage-notices-heading" className="font-medium text-amber-900">
            Allowance notices this period
          </h2>
          <ul className="mt-2 space-y-1 text-sm text-amber-900">
            {usage.notices.map((notice) => (
              <li key={notice.id}>
                {notice.text}{' '}
                <time dateTime={notice.at} className="text-amber-800">
                  ({notice.at.slice(0, 10)})
                </time>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {!usage.hasUsage ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-10 text-center text-slate-600">
          <p className="font-medium">No usage yet.</p>
          <p className="mt-1 text-sm">
            API calls, storage, members and the other metrics appear here once {tenant.name} starts
            using them.
          </p>
        </div>
      ) : null}

      <section aria-labelledby="allowances-heading" className="space-y-3">
        <h2 id="allowances-heading" className="text-lg font-semibold">
          Allowances, {usage.period.label}
        </h2>
        <ul className="grid gap-4 lg:grid-cols-2">
          {usage.allowances.map((allowance) => (
            <AllowanceMeter
              key={allowance.limit}
              label={allowance.label}
              usedText={allowance.usedText}
              allowanceText={allowance.allowanceText}
              percent={allowance.percent}
              level={allowance.level}
              policyText={allowance.policyText}
              resetText={allowance.resetText}
              forecastText={allowance.forecastText}
              forecastExceeds={allowance.forecastExceeds}
              overageText={allowance.overageText}
            />
          ))}
        </ul>
      </section>

      {usage.hasUsage ? (
        <section aria-labelledby="history-heading" className="space-y-4">
          <h2 id="history-heading" className="text-lg font-semibold">
            Usage over time
          </h2>
          <UsageControls
            metric={usage.metric.key}
            granularity={granularity}
            metrics={usage.metrics.map((option) => ({ value: option.key, label: option.label }))}
            granularities={usageGranularities.map((value) => ({
              value,
              label: usageGranularityLabels[value],
            }))}
          />
          <div className="space-y-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <div>
              <h3 className="font-medium">{chartTitle}</h3>
              <p className="text-sm text-slate-600">
                {usage.metric.description}{' '}
                {usage.metric.gauge ? 'Highest in this range' : 'Total in this range'}:{' '}
                <span className="font-medium text-slate-900">{usage.seriesSummary}</span>.
              </p>
            </div>
            {empty ? (
              <p className="py-8 text-center text-sm text-slate-600">
                No {usage.metric.label.toLowerCase()} recorded in this range.
              </p>
            ) : (
              <UsageChart points={usage.series} axis={usage.axis} title={chartTitle} />
            )}
            <UsageDataTable
              key={`${usage.metric.key}:${granularity}`}
              points={usage.series}
              caption={chartTitle}
              bucketHeading={bucketHeadings[granularity]}
            />
          </div>
        </section>
      ) : null}

      {usage.hasUsage ? (
        <section aria-labelledby="routes-heading" className="space-y-3">
          <h2 id="routes-heading" className="text-lg font-semibold">
            Top API routes, {usage.period.label}
          </h2>
          {usage.topRoutes.length > 0 ? (
            <TopRoutes routes={usage.topRoutes} period={usage.period.label} />
          ) : (
            <p className="text-sm text-slate-600">No API calls this period.</p>
          )}
        </section>
      ) : null}
    </section>
  );
}
