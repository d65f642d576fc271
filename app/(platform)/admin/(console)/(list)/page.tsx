import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { SelectField } from '@/components/ui/select';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireOperator } from '@/lib/actions';
import { loadTenantDirectory, type TenantDirectoryFilters } from '@/lib/operators';
import { planIds, plans } from '@/lib/plans';
import { statusLabels, tenantSortFields } from '@/lib/tenancy';
import { StatusBadge } from '../_components/status-badge';

export const metadata = { title: 'Tenants' };

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

const sortLabels: Record<(typeof tenantSortFields)[number], string> = {
  created: 'Newest first',
  name: 'Name (A–Z)',
  slug: 'Address (A–Z)',
};

const statusOptions = Object.entries(statusLabels).map(([value, label]) => ({ value, label }));
const planOptions = planIds.map((id) => ({ value: id, label: plans[id].name }));
const sortOptions = tenantSortFields.map((value) => ({ value, label: sortLabels[value] }));

/** `/admin?…` with the filters kept and the cursor replaced (or dropped: the first page). */
function directoryHref(filters: TenantDirectoryFilters, cursor?: string): string {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.status) params.set('status', filters.status);
  if (filters.plan) params.set('plan', filters.plan);
  if (filters.sort && filters.sort !== 'created') params.set('sort', filters.sort);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/admin?${query}` : '/admin';
}

export default async function TenantsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireOperator();
  const directory = await loadTenantDirectory(await searchParams);
  const { filters } = directory;
  const filtered = Boolean(filters.q || filters.status || filters.plan);

  return (
    <section aria-labelledby="tenants-heading" className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 id="tenants-heading" className="text-2xl font-semibold">
            Tenants
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            Every workspace on the platform. Open one to change its status, plan, limits or
            metadata.
          </p>
        </div>
        <Link href="/admin/tenants/new" className={buttonClasses('secondary')}>
          New tenant
        </Link>
      </div>

      <form
        method="get"
        action="/admin"
        role="search"
        aria-label="Filter tenants"
        className="grid gap-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_auto] lg:items-end"
      >
        <div>
          <label htmlFor="q" className="block text-sm font-medium text-slate-700">
            Search
          </label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={filters.q ?? ''}
            placeholder="Address or name"
            maxLength={100}
            className="focus:border-brand mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
          />
        </div>
        <SelectField
          label="Status"
          name="status"
          options={statusOptions}
          placeholder="All statuses"
          defaultValue={filters.status}
        />
        <SelectField
          label="Plan"
          name="plan"
          options={planOptions}
          placeholder="All plans"
          defaultValue={filters.plan}
        />
        <SelectField
          label="Sort"
          name="sort"
          options={sortOptions}
          defaultValue={filters.sort ?? 'created'}
        />
        <div className="flex gap-2">
          <button type="submit" className={buttonClasses('primary')}>
            Search
          </button>
          {filtered ? (
            <Link href="/admin" className={buttonClasses('secondary')}>
              Clear
            </Link>
          ) : null}
        </div>
      </form>

      {!directory.ok ? (
        <p
          role="alert"
          className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700"
        >
          {directory.problem === 'invalid_cursor'
            ? 'That page link is not valid any more. '
            : 'That link has a filter this console does not know. '}
          <Link href="/admin" className="font-medium underline">
            Start from the first page.
          </Link>
        </p>
      ) : directory.page.data.length === 0 ? (
        <div
          role="status"
          className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600"
        >
          {filtered || filters.cursor ? (
            <>
              <p className="font-medium">No tenants match these filters.</p>
              <p className="mt-1 text-sm">
                <Link href="/admin" className="underline">
                  Show all tenants
                </Link>
              </p>
            </>
          ) : (
            <>
              <p className="font-medium">No tenants yet.</p>
              <p className="mt-1 text-sm">
                Workspaces appear here as soon as someone signs up or the platform API provisions
                one.
              </p>
            </>
          )}
        </div>
      ) : (
        <>
          <p role="status" className="text-sm text-slate-600">
            Showing {directory.page.data.length}{' '}
            {directory.page.data.length === 1 ? 'tenant' : 'tenants'}
            {filters.cursor ? ' (a later page)' : ''}
            {filters.q ? <> matching “{filters.q}”</> : null},{' '}
            {sortLabels[filters.sort ?? 'created'].toLowerCase()}.
          </p>
          <Table caption="Tenants">
            <TableHead>
              <tr>
                <Th>Address</Th>
                <Th>Name</Th>
                <Th>Status</Th>
                <Th>Plan</Th>
                <Th>Created (UTC)</Th>
              </tr>
            </TableHead>
            <tbody>
              {directory.page.data.map((tenant) => (
                <Tr key={tenant.id}>
                  <Td>
                    <Link
                      href={`/admin/tenants/${tenant.id}`}
                      className="text-brand font-mono font-medium hover:underline"
                    >
                      {tenant.slug}
                    </Link>
                  </Td>
                  <Td>{tenant.name}</Td>
                  <Td>
                    <StatusBadge status={tenant.status} label={statusLabels[tenant.status]} />
                  </Td>
                  <Td className="text-slate-600">
                    {plans[tenant.plan as keyof typeof plans]?.name ?? tenant.plan}
                  </Td>
                  <Td className="text-slate-600">
                    <time dateTime={tenant.createdAt.toISOString()}>
                      {dateFormat.format(tenant.createdAt)}
                    </time>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <nav aria-label="Pagination" className="flex justify-between text-sm">
            {filters.cursor ? (
              <Link href={directoryHref(filters)} className="underline">
                ← First page
              </Link>
            ) : (
              <span />
            )}
            {directory.page.nextCursor ? (
              <Link href={directoryHref(filters, directory.page.nextCursor)} className="underline">
                Next page →
              </Link>
            ) : null}
          </nav>
        </>
      )}
    </section>
  );
}
