import { Badge } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireMember } from '@/lib/actions';
import { listActiveSessions } from '@/lib/auth';
import { withTenant } from '@/lib/tenancy';
import { revokeOtherSessionsAction, revokeSessionAction } from './actions';
import { RevokeOthersButton, RevokeSessionButton } from './_components/session-buttons';

export const metadata = { title: 'Your sessions' };

const timeFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** A short, readable name for a user agent: browser and platform, not the whole string. */
function deviceOf(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser';
  const platform = /Windows/.test(userAgent)
    ? 'Windows'
    : /Mac OS X/.test(userAgent)
      ? 'macOS'
      : /Android/.test(userAgent)
        ? 'Android'
        : /iPhone|iPad/.test(userAgent)
          ? 'iOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : 'unknown system';
  return `${browser} on ${platform}`;
}

export default async function SessionsPage() {
  const { tenant, viewer } = await requireMember('self');
  const sessions = await withTenant(tenant.id, (tx) =>
    listActiveSessions(tx, {
      tenantId: tenant.id,
      userId: viewer.userId,
      policy: tenant.sessionPolicy,
    }),
  );
  const others = sessions.filter((s) => s.id !== viewer.sessionId).length;
  return (
    <section aria-labelledby="sessions-heading" className="space-y-6">
      <div>
        <h1 id="sessions-heading" className="text-2xl font-semibold">
          Your sessions
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Where you are signed in to {tenant.name}. Sign out a session you do not recognise; it is
          refused from its next request on.
        </p>
      </div>
      <Table caption="Your active sessions">
        <TableHead>
          <tr>
            <Th>Device</Th>
            <Th>IP address</Th>
            <Th>Signed in (UTC)</Th>
            <Th>Last active (UTC)</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </TableHead>
        <tbody>
          {sessions.map((session) => {
            const current = session.id === viewer.sessionId;
            return (
              <Tr key={session.id}>
                <Th scope="row" title={session.userAgent ?? undefined}>
                  {deviceOf(session.userAgent)}{' '}
                  {current ? <Badge tone="success">This session</Badge> : null}
                </Th>
                <Td className="font-mono text-sm text-slate-600">{session.ip ?? '—'}</Td>
                <Td className="whitespace-nowrap text-slate-600">
                  {timeFormat.format(session.createdAt)}
                </Td>
                <Td className="whitespace-nowrap text-slate-600">
                  {timeFormat.format(session.lastSeenAt)}
                </Td>
                <Td>
                  {current ? null : (
                    <RevokeSessionButton
                      action={revokeSessionAction}
                      sessionId={session.id}
                      label={`${deviceOf(session.userAgent)}, last active ${timeFormat.format(session.lastSeenAt)}`}
                    />
                  )}
                </Td>
              </Tr>
            );
          })}
        </tbody>
      </Table>
      <RevokeOthersButton action={revokeOtherSessionsAction} hasOthers={others > 0} />
    </section>
  );
}
