import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import type { UsageChartPoint } from './usage-chart';

/**
 * The chart's figures as a table: its text alternative, collapsed under a disclosure so the page
 * stays short. Screen-reader and keyboard users open it like anyone else.
 */
export function UsageDataTable({
  points,
  caption,
  bucketHeading,
}: {
  points: readonly UsageChartPoint[];
  caption: string;
  bucketHeading: string;
}) {
  return (
    <details className="group">
      <summary className="cursor-pointer text-sm font-medium text-slate-700 underline">
        Show the figures as a table
      </summary>
      <Table caption={caption} className="mt-3 max-h-96 overflow-y-auto">
        <TableHead>
          <tr>
            <Th>{bucketHeading} (UTC)</Th>
            <Th className="text-right">Usage</Th>
            <Th className="text-right">Events</Th>
          </tr>
        </TableHead>
        <tbody>
          {points.map((point) => (
            <Tr key={point.bucketStart}>
              <Td>
                <time dateTime={point.bucketStart}>{point.label}</time>
              </Td>
              <Td className="text-right tabular-nums">{point.valueText}</Td>
              <Td className="text-right tabular-nums">{point.events.toLocaleString('en')}</Td>
            </Tr>
          ))}
        </tbody>
      </Table>
    </details>
  );
}
