import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import type { UsageRouteDTO } from '@/lib/metering';

/** The month's busiest API operations: calls and their share of all the month's API calls. */
export function TopRoutes({
  routes,
  period,
}: {
  routes: readonly UsageRouteDTO[];
  period: string;
}) {
  return (
    <Table caption={`Top API routes, ${period}`}>
      <TableHead>
        <tr>
          <Th>Route (operation)</Th>
          <Th className="text-right">Calls</Th>
          <Th className="w-1/3">Share of calls</Th>
        </tr>
      </TableHead>
      <tbody>
        {routes.map((route) => (
          <Tr key={route.route}>
            <Td>
              {route.route ? (
                <code className="font-mono text-slate-900">{route.route}</code>
              ) : (
                <span className="text-slate-500">Not named</span>
              )}
            </Td>
            <Td className="text-right tabular-nums">{route.callsText}</Td>
            <Td>
              <div className="flex items-center gap-3">
                <div
                  aria-hidden="true"
                  className="h-2 flex-1 overflow-hidden rounded-full bg-slate-100"
                >
                  <div
                    className="bg-brand h-full rounded-full"
                    style={{ width: `${Math.min(100, route.share * 100)}%` }}
                  />
                </div>
                <span className="w-16 text-right tabular-nums">{route.shareText}</span>
              </div>
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
