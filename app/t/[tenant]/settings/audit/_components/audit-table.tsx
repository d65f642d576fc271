import Link from 'next/link';
import { cn } from '@/components/ui/cn';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import type { LogKind } from '@/lib/activity';
import { auditSearchQuery, type AuditRecordDTO } from '@/lib/audit';
import { actorTypeLabels, channelLabels, summarizeMetadata, targetTypeLabel } from './labels';

/** What every log's rows share (audit, access and security); `channel` is the activity logs'. */
export type LogRow = Omit<AuditRecordDTO, 'seq' | 'hash'> & { channel?: string | null };

/** The viewer's address for a log tab and a query string. */
export function logHref(log: LogKind, query = ''): string {
  const full = [log === 'audit' ? '' : `log=${log}`, query].filter(Boolean).join('&');
  return `/settings/audit${full ? `?${full}` : ''}`;
}

/** `2025-03-09 12:00:05`: sortable, unambiguous and narrow (the column says UTC). */
const utc = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

function Id({ value, className = 'max-w-40' }: { value: string; className?: string }) {
  return (
    <code
      className={cn('block truncate font-mono text-xs text-slate-500', className)}
      title={value}
    >
      {value}
    </code>
  );
}

function Actor({ row }: { row: LogRow }) {
  const kind = actorTypeLabels[row.actorType];
  if (row.actorType === 'user' && row.actorName) {
    return (
      <>
        <span className="font-medium text-slate-800">{row.actorName}</span>
        {row.actorEmail ? (
          <span className="block max-w-48 truncate text-xs text-slate-500" title={row.actorEmail}>
            {row.actorEmail}
          </span>
        ) : null}
      </>
    );
  }
  if (row.actorType === 'user') {
    return (
      <>
        <span className="text-slate-700">Former member</span>
        {row.actorId ? <Id value={row.actorId} /> : null}
      </>
    );
  }
  return (
    <>
      <span className="text-slate-700">
        {kind}
        {row.actorName ? ` “${row.actorName}”` : null}
      </span>
      {row.actorId && !row.actorName ? <Id value={row.actorId} /> : null}
    </>
  );
}

function Target({ row, log }: { row: LogRow; log: LogKind }) {
  if (!row.targetType) return <span className="text-slate-400">—</span>;
  const label = targetTypeLabel(row.targetType);
  if (!row.targetId) return <span>{label}</span>;
  return (
    <>
      <Link
        href={logHref(
          log,
          auditSearchQuery({ targetType: row.targetType, targetId: row.targetId }),
        )}
        className="text-brand hover:underline"
        title={`Every event about this ${label.toLowerCase()}`}
      >
        {label}
      </Link>
      <Id value={row.targetId} />
    </>
  );
}

function Details({ metadata }: { metadata: Record<string, unknown> }) {
  const summary = summarizeMetadata(metadata);
  if (!summary) return <span className="text-slate-400">—</span>;
  return (
    <details className="max-w-64">
      <summary className="cursor-pointer break-words text-slate-700">{summary}</summary>
      <pre className="mt-2 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap text-slate-700">
        {JSON.stringify(metadata, null, 2)}
      </pre>
    </details>
  );
}

/** One page of a log's events, newest first; the access log also shows each read's channel. */
export function AuditTable({
  rows,
  log,
  actionLabel,
}: {
  rows: readonly LogRow[];
  log: LogKind;
  actionLabel: (action: string) => string;
}) {
  const channels = log === 'access';
  return (
    <Table
      caption={`${log === 'audit' ? 'Audit' : log === 'access' ? 'Access' : 'Security'} events, newest first`}
    >
      <TableHead>
        <tr>
          <Th>When (UTC)</Th>
          <Th>Action</Th>
          {channels ? <Th>Channel</Th> : null}
          <Th>Actor</Th>
          <Th>Target</Th>
          <Th>Details</Th>
          <Th>Request</Th>
        </tr>
      </TableHead>
      <tbody>
        {rows.map((row) => (
          <Tr key={row.id}>
            <Td className="whitespace-nowrap text-slate-600">
              <time dateTime={row.createdAt.toISOString()}>{utc(row.createdAt)}</time>
            </Td>
            <Td>
              <span className="font-medium text-slate-800">{actionLabel(row.action)}</span>
              <code className="block font-mono text-xs text-slate-500">{row.action}</code>
            </Td>
            {channels ? (
              <Td className="whitespace-nowrap text-slate-700">
                {row.channel ? (channelLabels[row.channel] ?? row.channel) : '—'}
              </Td>
            ) : null}
            <Td>
              <Actor row={row} />
            </Td>
            <Td>
              <Target row={row} log={log} />
            </Td>
            <Td>
              <Details metadata={row.metadata} />
            </Td>
            <Td>
              {row.requestId ? (
                <Id value={row.requestId} className="max-w-24" />
              ) : (
                <span className="text-slate-400">—</span>
              )}
              {row.ip ? <span className="block text-xs text-slate-500">{row.ip}</span> : null}
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
