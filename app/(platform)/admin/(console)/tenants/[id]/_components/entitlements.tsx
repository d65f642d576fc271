import { Badge } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { formatLimit, overagePolicyLabels, type EntitlementBreakdown } from '@/lib/operators';

function Source({ source }: { source: 'plan' | 'override' }) {
  return source === 'override' ? <Badge tone="warning">Override</Badge> : <Badge>Plan</Badge>;
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
      <Table caption="Features in effect">
        <TableHead>
          <tr>
            <Th>Feature</Th>
            <Th>In effect</Th>
            <Th>Plan default</Th>
            <Th>From</Th>
          </tr>
        </TableHead>
        <tbody>
          {breakdown.features.map((row) => (
            <Tr key={row.feature}>
              <Th scope="row">
                {row.label} <code className="text-xs text-slate-500">{row.feature}</code>
              </Th>
              <Td className="font-medium">{row.enabled ? 'On' : 'Off'}</Td>
              <Td className="text-slate-600">{row.planDefault ? 'On' : 'Off'}</Td>
              <Td>
                <Source source={row.source} />
              </Td>
            </Tr>
          ))}
        </tbody>
      </Table>
      <Table caption="Limits in effect">
        <TableHead>
          <tr>
            <Th>Limit</Th>
            <Th>In effect</Th>
            <Th>Plan default</Th>
            <Th>From</Th>
          </tr>
        </TableHead>
        <tbody>
          {breakdown.limits.map((row) => (
            <Tr key={row.limit}>
              <Th scope="row">
                {row.label} <code className="text-xs text-slate-500">{row.limit}</code>
              </Th>
              <Td className="font-medium">{formatLimit(row.limit, row.value)}</Td>
              <Td className="text-slate-600">{formatLimit(row.limit, row.planDefault)}</Td>
              <Td>
                <Source source={row.source} />
              </Td>
            </Tr>
          ))}
        </tbody>
      </Table>
      <Table caption="Overage policies in effect">
        <TableHead>
          <tr>
            <Th>Allowance</Th>
            <Th>Past the allowance</Th>
            <Th>Plan default</Th>
            <Th>From</Th>
          </tr>
        </TableHead>
        <tbody>
          {breakdown.overage.map((row) => (
            <Tr key={row.limit}>
              <Th scope="row">
                {row.label} <code className="text-xs text-slate-500">{row.limit}</code>
              </Th>
              <Td className="font-medium">{overagePolicyLabels[row.policy]}</Td>
              <Td className="text-slate-600">{overagePolicyLabels[row.planDefault]}</Td>
              <Td>
                <Source source={row.source} />
              </Td>
            </Tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
