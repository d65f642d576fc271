import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import type { AuditEventDTO } from '@/lib/audit';

const actionLabels: Record<string, string> = {
  'tenant.created': 'Tenant created',
  'tenant.status_changed': 'Status changed',
  'tenant.plan_changed': 'Plan changed',
  'tenant.renamed': 'Renamed',
  'tenant.metadata_updated': 'Metadata updated',
  'tenant.overrides_updated': 'Overrides updated',
  'tenant.settings_updated': 'Settings updated',
  'auth.signed_in': 'Member signed in',
  'auth.signed_out': 'Member signed out',
  'auth.sign_in_failed': 'Sign-in failed',
  'document.created': 'Document created',
  'document.updated': 'Document updated',
  'document.deleted': 'Document deleted',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
};

const actorLabels: Record<AuditEventDTO['actorType'], string> = {
  user: 'Member',
  operator: 'Operator',
  platform: 'Platform API',
  api_key: 'API key',
  system: 'System',
  anonymous: 'Anonymous',
};

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);

/** The part of an event's metadata an operator reads first: what changed, and why. */
function details(event: AuditEventDTO): string | null {
  const m = event.metadata;
  switch (event.action) {
    case 'tenant.status_changed':
      return `${text(m.from)} → ${text(m.to)}${m.reason ? `: “${text(m.reason)}”` : ''}`;
    case 'tenant.plan_changed':
    case 'tenant.renamed':
      return `${text(m.from)} → ${text(m.to)}`;
    case 'tenant.metadata_updated':
    case 'tenant.overrides_updated':
      return `now ${text(m.after)}`;
    case 'document.created':
    case 'document.updated':
    case 'document.deleted':
      return m.title ? `“${text(m.title)}”` : null;
    case 'api_key.created':
    case 'api_key.revoked':
      return m.prefix ? `${text(m.name)} (${text(m.prefix)}…)` : null;
    default:
      return null;
  }
}

const timeFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'medium',
  timeZone: 'UTC',
});

export function AuditTrail({ events, viewerId }: { events: AuditEventDTO[]; viewerId: string }) {
  if (events.length === 0) {
    return <p className="text-sm text-slate-600">Nothing recorded yet.</p>;
  }
  return (
    <Table caption="Recent audit events, newest first">
      <TableHead>
        <tr>
          <Th>When (UTC)</Th>
          <Th>Event</Th>
          <Th>By</Th>
          <Th>Details</Th>
        </tr>
      </TableHead>
      <tbody>
        {events.map((event) => (
          <Tr key={event.id}>
            <Td className="whitespace-nowrap text-slate-600">
              <time dateTime={event.createdAt.toISOString()}>
                {timeFormat.format(event.createdAt)}
              </time>
            </Td>
            <Td>
              <span className="font-medium">{actionLabels[event.action] ?? event.action}</span>{' '}
              <code className="text-xs text-slate-500">{event.action}</code>
            </Td>
            <Td className="text-slate-600">
              {actorLabels[event.actorType]}
              {event.actorType === 'operator' && event.actorId === viewerId ? ' (you)' : null}
              {event.actorId && event.actorId !== viewerId ? (
                <code className="ml-1 text-xs text-slate-500" title={event.actorId}>
                  {event.actorId.slice(0, 8)}
                </code>
              ) : null}
            </Td>
            <Td className="max-w-md break-words text-slate-600">{details(event)}</Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
