import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { cn } from '@/components/ui/cn';
import { requireMember } from '@/lib/actions';
import {
  activityActionGroups,
  activityActionLabel,
  isLogKind,
  parseActivitySearch,
  searchActivityEvents,
  type LogKind,
} from '@/lib/activity';
import {
  AUDIT_EXPORT_MAX,
  AUDIT_PAGE_SIZE,
  auditActionGroups,
  auditActionLabel,
  auditSearchQuery,
  parseAuditSearch,
  searchAuditEvents,
  type ActionGroup,
} from '@/lib/audit';
import { listMembers } from '@/lib/members';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { AuditFilters, type FilterGroup } from './_components/audit-filters';
import { AuditTable, logHref } from './_components/audit-table';
import { actorKindOptions, targetTypeLabels } from './_components/labels';
import { NewestOlderPager } from '@/components/ui/pager';

export const metadata = { title: 'Audit log' };

/** The three logs, one tab each: what each holds, and how its actions read. */
const logs: Record<
  LogKind,
  {
    tab: string;
    heading: string;
    about: (tenantName: string) => string;
    groups: ReadonlyArray<ActionGroup>;
    label: (action: string) => string;
  }
> = {
  audit: {
    tab: 'Audit',
    heading: 'Audit log',
    about: (name) => `Who changed what in ${name}: the tamper-evident trail of every change.`,
    groups: auditActionGroups,
    label: auditActionLabel,
  },
  access: {
    tab: 'Access',
    heading: 'Access log',
    about: (name) =>
      `Who read ${name}’s data: documents viewed and listed in the portal and through the API, and every download of these logs.`,
    groups: activityActionGroups.access,
    label: (action) => activityActionLabel('access', action),
  },
  security: {
    tab: 'Security',
    heading: 'Security log',
    about: (name) =>
      `Sign-ins to ${name} and their failures, locked accounts, refused permissions and rate limits, requests for unknown ids, and API keys created or revoked.`,
    groups: activityActionGroups.security,
    label: (action) => activityActionLabel('security', action),
  },
};

const actionGroupsOf = (groups: ReadonlyArray<ActionGroup>): FilterGroup[] =>
  groups.map((group) => ({
    label: group.label,
    options: [
      { value: group.prefix, label: `Any ${group.label.toLowerCase()} event` },
      ...Object.entries(group.actions).map(([value, label]) => ({ value, label })),
    ],
  }));

const targetTypes = Object.entries(targetTypeLabels).map(([value, label]) => ({ value, label }));

export default async function AuditLogPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, allowed } = await requireMember('audit:read');
  if (!allowed) return <Forbidden />;

  const query = await searchParams;
  const requested = Array.isArray(query.log) ? query.log[0] : query.log;
  const log: LogKind = isLogKind(requested) ? requested : 'audit';
  const about = logs[log];

  const { input, fieldErrors } =
    log === 'audit' ? parseAuditSearch(query) : parseActivitySearch(query);
  const { cursor, limit, ...filters } = input;
  const { page, members } = await withTenant(tenant.id, async (tx) => ({
    page:
      log === 'audit'
        ? await searchAuditEvents(tx, { tenantId: tenant.id, ...input })
        : await searchActivityEvents(tx, { tenantId: tenant.id, stream: log, ...input }),
    members: await listMembers(tx, { tenantId: tenant.id }),
  }));

  const filtered = Object.values(filters).some((value) => value !== undefined);
  const filterQuery = auditSearchQuery(filters);
  const pageQuery = auditSearchQuery({ ...filters, limit });
  const exportQuery = [log === 'audit' ? '' : `log=${log}`, filterQuery].filter(Boolean).join('&');
  const exportSuffix = exportQuery ? `?${exportQuery}` : '';
  const actorGroups: FilterGroup[] = [
    { label: 'Kinds', options: actorKindOptions },
    {
      label: 'Members',
      options: members.map((member) => ({
        value: member.userId,
        label: `${member.name} (${member.email})`,
      })),
    },
  ];

  return (
    <section aria-labelledby="audit-heading" className="space-y-6">
      <nav aria-label="Logs" className="flex gap-1 border-b border-slate-200">
        {(Object.keys(logs) as LogKind[]).map((kind) => (
          <Link
            key={kind}
            href={logHref(kind)}
            aria-current={kind === log ? 'page' : undefined}
            className={cn(
              '-mb-px border-b-2 px-4 py-2 text-sm font-medium',
              kind === log
                ? 'border-brand text-slate-900'
                : 'border-transparent text-slate-600 hover:text-slate-900',
            )}
          >
            {logs[kind].tab}
          </Link>
        ))}
      </nav>

      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="audit-heading" className="text-2xl font-semibold">
            {about.heading}
          </h1>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">
            {about.about(tenant.name)} Newest first; times are UTC. Downloads hold the filtered
            events (up to {AUDIT_EXPORT_MAX.toLocaleString('en')}; narrow the dates for more) and
            are themselves recorded in the access log.
          </p>
        </div>
        {/* Plain links, not <Link>: a prefetch must never run (and record) an export. */}
        <div className="flex gap-2">
          <a
            href={`/settings/audit/export.csv${exportSuffix}`}
            className={buttonClasses('secondary')}
          >
            Download CSV
          </a>
          <a
            href={`/settings/audit/export.json${exportSuffix}`}
            className={buttonClasses('secondary')}
          >
            Download JSON
          </a>
        </div>
      </div>

      <AuditFilters
        key={`${log}?${pageQuery}`}
        log={log}
        values={{
          actor: filters.actorId ?? filters.actorType ?? '',
          action: filters.action ?? '',
          targetType: filters.targetType ?? '',
          targetId: filters.targetId ?? '',
          from: filters.from ?? '',
          to: filters.to ?? '',
          limit: limit === AUDIT_PAGE_SIZE ? undefined : limit,
        }}
        actorGroups={actorGroups}
        actionGroups={actionGroupsOf(about.groups)}
        targetTypes={targetTypes}
        fieldErrors={fieldErrors}
      />

      {fieldErrors.cursor ? (
        <p role="alert" className="text-sm text-red-700">
          That page link is not valid, so this is the newest page.
        </p>
      ) : Object.keys(fieldErrors).length > 0 ? (
        <p role="alert" className="text-sm text-red-700">
          Some filters were not valid and were left out; the list shows the rest.
        </p>
      ) : null}

      {page.data.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600">
          <p className="font-medium">
            {cursor
              ? 'No older events.'
              : filtered
                ? 'No events match these filters.'
                : 'No events yet.'}
          </p>
          {filtered || cursor ? (
            <p className="mt-1 text-sm">
              <Link href={logHref(log)} className="underline">
                Show every event
              </Link>
            </p>
          ) : null}
        </div>
      ) : (
        <AuditTable rows={page.data} log={log} actionLabel={about.label} />
      )}

      <NewestOlderPager
        newestHref={logHref(log, pageQuery)}
        olderHref={
          page.nextCursor
            ? logHref(log, auditSearchQuery({ ...filters, limit, cursor: page.nextCursor }))
            : null
        }
        paged={Boolean(cursor)}
      />
    </section>
  );
}
