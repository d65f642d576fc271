import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { requireMember } from '@/lib/actions';
import {
  AUDIT_EXPORT_MAX,
  AUDIT_PAGE_SIZE,
  auditActionGroups,
  auditActionLabel,
  auditSearchQuery,
  parseAuditSearch,
  searchAuditEvents,
} from '@/lib/audit';
import { listMembers } from '@/lib/members';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { AuditFilters, type FilterGroup } from './_components/audit-filters';
import { AuditTable } from './_components/audit-table';
import { actorKindOptions, targetTypeLabels } from './_components/labels';

export const metadata = { title: 'Audit log' };

const actionGroups: FilterGroup[] = auditActionGroups.map((group) => ({
  label: group.label,
  options: [
    { value: group.prefix, label: auditActionLabel(group.prefix) },
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

  const { input, fieldErrors } = parseAuditSearch(await searchParams);
  const { cursor, limit, ...filters } = input;
  const { page, members } = await withTenant(tenant.id, async (tx) => ({
    page: await searchAuditEvents(tx, { tenantId: tenant.id, ...input }),
    members: await listMembers(tx, { tenantId: tenant.id }),
  }));

  const filtered = Object.values(filters).some((value) => value !== undefined);
  const filterQuery = auditSearchQuery(filters);
  const pageQuery = auditSearchQuery({ ...filters, limit });
  const exportSuffix = filterQuery ? `?${filterQuery}` : '';
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
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="audit-heading" className="text-2xl font-semibold">
            Audit log
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            Who did what in {tenant.name}, newest first; times are UTC. Downloads hold the filtered
            events (up to {AUDIT_EXPORT_MAX.toLocaleString('en')}; narrow the dates for more) and
            are themselves recorded here.
          </p>
        </div>
        {/* Plain links, not <Link>: a prefetch must never run (and audit) an export. */}
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
        key={pageQuery}
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
        actionGroups={actionGroups}
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
              <Link href="/settings/audit" className="underline">
                Show every event
              </Link>
            </p>
          ) : null}
        </div>
      ) : (
        <AuditTable rows={page.data} />
      )}

      {cursor || page.nextCursor ? (
        <nav aria-label="Pagination" className="flex justify-between text-sm">
          {cursor ? (
            <Link href={`/settings/audit${pageQuery ? `?${pageQuery}` : ''}`} className="underline">
              ← Newest
            </Link>
          ) : (
            <span />
          )}
          {page.nextCursor ? (
            <Link
              href={`/settings/audit?${auditSearchQuery({ ...filters, limit, cursor: page.nextCursor })}`}
              className="underline"
            >
              Older →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}
