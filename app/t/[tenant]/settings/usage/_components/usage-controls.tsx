import { buttonClasses } from '@/components/ui/button';
import { SelectField, type SelectOption } from '@/components/ui/select';

/**
 * Which metric and granularity the chart shows, as a GET form: the URL is the state, so a view
 * can be shared and the CSV link follows it. A plain form (a document load), not next/form: on
 * Next 15.5 the client router's search-param-only navigation to this page fetched the new
 * payload but now and then never committed it (old chart, old URL; seen in e2e/usage.spec.ts in
 * about half the runs, with or without the chart on the page).
 */
export function UsageControls({
  metric,
  granularity,
  metrics,
  granularities,
}: {
  metric: string;
  granularity: string;
  metrics: readonly SelectOption[];
  granularities: readonly SelectOption[];
}) {
  return (
    <form
      action="/settings/usage"
      method="get"
      aria-label="Chart options"
      className="flex flex-wrap items-end gap-4"
    >
      <SelectField
        label="Metric"
        name="metric"
        options={metrics}
        defaultValue={metric}
        className="min-w-56"
      />
      <SelectField
        label="Granularity"
        name="granularity"
        options={granularities}
        defaultValue={granularity}
        className="min-w-56"
      />
      <button type="submit" className={buttonClasses('secondary')}>
        Show
      </button>
    </form>
  );
}
