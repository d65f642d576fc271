'use client';

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';

export type UsageChartPoint = {
  /** ISO 8601, UTC. */
  bucketStart: string;
  /** The bucket for people, e.g. "30 Nov 2026". */
  label: string;
  value: number;
  /** The value for people, e.g. "1.5 GB". */
  valueText: string;
  events: number;
};

const tickFormat = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * A bar chart of one metric over time. Takes plain, already formatted data (the server did the
 * work); the value axis is scaled by `axis` (e.g. bytes shown in GB). The chart is a picture
 * only: the table beside it (UsageDataTable) is its text alternative.
 */
export function UsageChart({
  points,
  axis,
  title,
}: {
  points: readonly UsageChartPoint[];
  axis: { divisor: number; unit: string };
  /** What the chart shows, e.g. "API calls, daily": the image's accessible name. */
  title: string;
}) {
  const data = points.map((point) => ({ ...point, scaled: point.value / axis.divisor }));
  return (
    <div role="img" aria-label={`Bar chart: ${title}. The table below lists the same figures.`}>
      <BarChart
        responsive
        data={data}
        accessibilityLayer={false}
        margin={{ top: 8, right: 8, bottom: 0, left: 8 }}
        style={{ width: '100%', height: 288 }}
      >
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="label"
          tick={{ fontSize: 12, fill: '#475569' }}
          tickLine={false}
          minTickGap={16}
        />
        <YAxis
          tick={{ fontSize: 12, fill: '#475569' }}
          tickLine={false}
          axisLine={false}
          allowDecimals={axis.divisor !== 1}
          tickFormatter={(value: number) => tickFormat.format(value)}
          label={{
            value: axis.unit,
            angle: -90,
            position: 'insideLeft',
            style: { fontSize: 12, fill: '#475569', textAnchor: 'middle' },
          }}
          width={64}
        />
        <Tooltip
          cursor={{ fill: '#f1f5f9' }}
          formatter={(_value, _name, item) => {
            const point = item.payload as UsageChartPoint;
            return [`${point.valueText} (${point.events.toLocaleString('en')} events)`, 'Usage'];
          }}
        />
        <Bar
          dataKey="scaled"
          name="Usage"
          fill="var(--brand, var(--color-brand))"
          radius={[3, 3, 0, 0]}
          isAnimationActive={false}
        />
      </BarChart>
    </div>
  );
}
