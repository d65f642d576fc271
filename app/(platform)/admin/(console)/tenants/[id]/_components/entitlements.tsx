import { Badge } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { formatLimit, overagePolicyLabels, type EntitlementBreakdown } from '@/lib/operators';

function Source({ source }: { source: 'plan' | 'override' }) {
  return source === 'override' ? <Badge tone="warning">Override</Badge> : <Badge>Plan</Badge>;
}

type EntitlementRow = {
  key: string;
  label: string;
  value: string;
  planDefault: string;
  source: 'plan' | 'override';
};

function EntitlementTable({
  caption,
  heading,
  rows,
}: {
  caption: string;
  heading: [string, string];
  rows: EntitlementRow[];
}) {
  return (
    <Table caption={caption}>
      <TableHead>
        <tr>
          <Th>{heading[0]}</Th>
          <Th>{heading[1]}</Th>
          <Th>Plan default</Th>
          <Th>From</Th>
        </tr>
      </TableHead>
      <tbody>
        {rows.map((row) => (
          <Tr key={row.key}>
            <Th scope="row">
              {row.label} <code className="text-xs text-slate-500">{row.key}</code>
            </Th>
            <Td className="font-medium">{row.value}</Td>
            <Td className="text-slate-600">{row.planDefault}</Td>
            <Td>
              <Source source={row.source} />
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}

/** What is in effect for the tenant, and where each value comes from. */
export function Entitlements({ breakdown }: { breakdown: EntitlementBreakdown }) {
  return (
    <div className="space-y-4">
      {!breakdown.plan.known ? (
        <p
          role="note"
          className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          The plan “{breakdown.plan.id}” is no longer in the catalogue: the free plan’s defaults
          apply.
        </p>
      ) : null}
      <EntitlementTable
        caption="Features in effect"
        heading={['Feature', 'In effect']}
        rows={breakdown.features.map((row) => ({
          key: row.feature,
          label: row.label,
          value: row.enabled ? 'On' : 'Off',
          planDefault: row.planDefault ? 'On' : 'Off',
          source: row.source,
        }))}
      />
      <EntitlementTable
        caption="Limits in effect"
        heading={['Limit', 'In effect']}
        rows={breakdown.limits.map((row) => ({
          key: row.limit,
          label: row.label,
          value: formatLimit(row.limit, row.value),
          planDefault: formatLimit(row.limit, row.planDefault),
          source: row.source,
        }))}
      />
      <EntitlementTable
        caption="Overage policies in effect"
        heading={['Allowance', 'Past the allowance']}
        rows={breakdown.overage.map((row) => ({
          key: row.limit,
          label: row.label,
          value: overagePolicyLabels[row.policy],
          planDefault: overagePolicyLabels[row.planDefault],
          source: row.source,
        }))}
      />
    </div>
  );
}
