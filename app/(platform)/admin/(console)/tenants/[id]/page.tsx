import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { cache } from 'react';
import { KeyVersionsTable } from '@/components/encryption/key-versions-table';
import { RotateKeyForm } from '@/components/encryption/rotate-key-form';
import { RotationProgress } from '@/components/encryption/rotation-progress';
import { AutoRefresh } from '@/components/ui/auto-refresh';
import { requireOperator } from '@/lib/actions';
import { ConfirmAction } from '@/components/forms/confirm-action';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { listBackups } from '@/lib/backups';
import { encryptionOverview } from '@/lib/crypto';
import { env } from '@/lib/env';
import { protocolFor, tenantOrigin } from '@/lib/host';
import {
  entitlementBreakdown,
  formatLimit,
  loadTenantConsole,
  overagePolicyLabels,
} from '@/lib/operators';
import { planIds, plans } from '@/lib/plans';
import { statusLabels, statusTransitions, withPlatform } from '@/lib/tenancy';
import { Card } from '../../_components/card';
import { StatusBadge } from '../../_components/status-badge';
import {
  changePlanAction,
  backUpTenantAction,
  changeStatusAction,
  cloneTenantBackupAction,
  restoreTenantBackupAction,
  rotateKeyAction,
  updateMetadataAction,
  updateOverridesAction,
} from './actions';
import { AuditTrail } from './_components/audit-trail';
import { CloneBackupForm, ConsoleBackUpForm } from './_components/backup-forms';
import { Entitlements } from './_components/entitlements';
import { MetadataEditor } from './_components/metadata-editor';
import { OverridesForm } from './_components/overrides-form';
import { PlanForm } from './_components/plan-form';
import { StatusForm } from './_components/status-form';

type Params = { params: Promise<{ id: string }> };

// The operator check comes first, for the title as well as the page.
const load = cache(async (id: string) => {
  const operator = await requireOperator();
  return { operator, data: await loadTenantConsole(id) };
});

export async function generateMetadata({ params }: Params) {
  const { data } = await load((await params).id);
  return { title: data ? data.tenant.name : 'Tenant not found' };
}

const dateFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export default async function TenantConsolePage({ params }: Params) {
  const { operator, data } = await load((await params).id);
  if (!data) notFound();
  const { tenant, trail } = data;
  const [encryption, { backups, restores }] = await withPlatform(async (tx) => [
    await encryptionOverview(tx, tenant.id),
    await listBackups(tx, tenant.id),
  ]);
  const ready = backups.filter((backup) => backup.status === 'ready');
  const backupBusy =
    backups.some((b) => b.status === 'pending' || b.status === 'running') ||
    restores.some((r) => r.status === 'pending' || r.status === 'running');
  const rotation = encryption.rotation?.status === 'running' ? encryption.rotation : null;
  const { ROOT_DOMAIN } = env();
  const portal = tenantOrigin(tenant.slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN));
  const breakdown = entitlementBreakdown(tenant);
  const planName = plans[tenant.plan as keyof typeof plans]?.name ?? tenant.plan;

  const details: Array<[string, ReactNode]> = [
    ['Address', <code key="slug">{tenant.slug}</code>],
    [
      'Invoices',
      <Link
        key="invoices"
        href={`/admin/tenants/${tenant.id}/invoices`}
        className="text-brand underline"
      >
        View invoices
      </Link>,
    ],
    [
      'Portal',
      <a
        key="portal"
        href={portal}
        className="text-brand underline"
        target="_blank"
        rel="noreferrer"
      >
        {portal}
      </a>,
    ],
    [
      'Status',
      <StatusBadge key="status" status={tenant.status} label={statusLabels[tenant.status]} />,
    ],
    ['Plan', planName],
    ['Members', tenant.memberCount.toLocaleString('en')],
    ['Documents', tenant.documentCount.toLocaleString('en')],
    [
      'Created (UTC)',
      <time key="created" dateTime={tenant.createdAt.toISOString()}>
        {dateFormat.format(tenant.createdAt)}
      </time>,
    ],
    [
      'Updated (UTC)',
      <time key="updated" dateTime={tenant.updatedAt.toISOString()}>
        {dateFormat.format(tenant.updatedAt)}
      </time>,
    ],
    [
      'Id',
      <code key="id" className="text-xs">
        {tenant.id}
      </code>,
    ],
  ];

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin" className="text-slate-600 hover:underline">
          ← All tenants
        </Link>
      </p>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">{tenant.name}</h1>
        <StatusBadge status={tenant.status} label={statusLabels[tenant.status]} />
      </div>

      <Card id="details-heading" title="Details">
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
          {details.map(([term, value]) => (
            <div key={term} className="contents">
              <dt className="font-medium text-slate-600">{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card
          id="status-heading"
          title="Status"
          description="Suspended and archived tenants lock their members out at once."
        >
          <StatusForm
            action={changeStatusAction}
            tenant={{ id: tenant.id, name: tenant.name, statusLabel: statusLabels[tenant.status] }}
            options={statusTransitions[tenant.status].map((status) => ({
              value: status,
              label: statusLabels[status],
            }))}
          />
        </Card>
        <Card id="plan-heading" title="Plan">
          <PlanForm
            action={changePlanAction}
            tenantId={tenant.id}
            plan={tenant.plan}
            options={planIds.map((id) => ({ value: id, label: plans[id].name }))}
          />
        </Card>
      </div>

      <Card
        id="entitlements-heading"
        title="Entitlements in effect"
        description={`From the ${planName} plan, with this tenant’s overrides.`}
      >
        <Entitlements breakdown={breakdown} />
      </Card>

      <Card
        id="overrides-heading"
        title="Overrides"
        description="Departures from the plan for this tenant only. Saving replaces all of them."
      >
        <OverridesForm
          action={updateOverridesAction}
          tenantId={tenant.id}
          features={breakdown.features.map((row) => ({
            name: row.feature,
            label: row.label,
            planDefault: row.planDefault ? 'on' : 'off',
            choice: row.override === undefined ? 'plan' : row.override ? 'on' : 'off',
          }))}
          limits={breakdown.limits.map((row) => ({
            name: row.limit,
            label: row.label,
            planDefault: formatLimit(row.limit, row.planDefault),
            mode:
              row.override === undefined ? 'plan' : row.override === null ? 'unlimited' : 'custom',
            value: typeof row.override === 'number' ? String(row.override) : '',
          }))}
          overage={breakdown.overage.map((row) => ({
            name: row.limit,
            label: row.label,
            planDefault: overagePolicyLabels[row.planDefault].toLowerCase(),
            choice: row.override ?? 'plan',
          }))}
          policyLabels={overagePolicyLabels}
        />
      </Card>

      <Card
        id="metadata-heading"
        title="Metadata"
        description="Free key/value pairs for your own systems: CRM ids, regions, notes."
      >
        <MetadataEditor
          action={updateMetadataAction}
          tenantId={tenant.id}
          metadata={Object.entries(tenant.metadata)}
        />
      </Card>

      <Card
        id="encryption-heading"
        title="Encryption"
        description={
          encryption.rotationIntervalDays
            ? `Data key rotated every ${encryption.rotationIntervalDays} days by the tenant’s policy.`
            : 'Data key rotated only by hand.'
        }
      >
        <div className="space-y-4">
          {rotation ? (
            <RotationProgress
              version={rotation.targetVersion}
              done={rotation.doneRows}
              total={rotation.totalRows}
            />
          ) : null}
          {encryption.keys.length > 0 ? (
            <KeyVersionsTable keys={encryption.keys} />
          ) : (
            <p className="text-sm text-slate-600">No data key yet: nothing encrypted stored.</p>
          )}
          {encryption.destroyed ? null : (
            <RotateKeyForm
              action={rotateKeyAction}
              disabled={Boolean(rotation)}
              tenantId={tenant.id}
            />
          )}
        </div>
      </Card>

      <Card
        id="backups-heading"
        title="Backups"
        description="Daily backups and those made by hand, newest first; each restores in one transaction."
      >
        <div className="space-y-4">
          {backupBusy ? <AutoRefresh /> : null}
          <ConsoleBackUpForm
            action={backUpTenantAction}
            tenantId={tenant.id}
            disabled={backupBusy}
          />
          {backups.length === 0 ? (
            <p className="text-sm text-slate-600">No backups yet.</p>
          ) : (
            <Table caption="Backups of this tenant">
              <TableHead>
                <tr>
                  <Th>Made</Th>
                  <Th>Status</Th>
                  <Th>Records</Th>
                  <Th>SHA-256</Th>
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                </tr>
              </TableHead>
              <tbody>
                {backups.slice(0, 10).map((backup) => (
                  <Tr key={backup.id}>
                    <Td>{dateFormat.format(backup.createdAt)} UTC</Td>
                    <Td>
                      {backup.status === 'failed' ? `failed: ${backup.error}` : backup.status}
                    </Td>
                    <Td>{backup.rowCount?.toLocaleString('en') ?? '—'}</Td>
                    <Td>
                      <code className="text-xs">{backup.sha256?.slice(0, 12) ?? '—'}</code>
                    </Td>
                    <Td>
                      {backup.status === 'ready' && !backupBusy ? (
                        <ConfirmAction
                          action={restoreTenantBackupAction}
                          fields={{ id: tenant.id, backupId: backup.id }}
                          label="Restore"
                          title="Restore this backup over the tenant’s data?"
                          body="Its documents, members, roles, invitations, API keys, two-factor and single sign-on settings go back to this backup; logs, usage and invoices keep later entries. Everyone in the tenant is signed out. One transaction: on any error nothing changes."
                          confirmLabel="Restore this backup"
                          pendingLabel="Asking…"
                          variant="danger"
                        />
                      ) : null}
                    </Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          )}
          {ready.length > 0 ? (
            <CloneBackupForm
              action={cloneTenantBackupAction}
              tenantId={tenant.id}
              backups={ready.map((backup) => ({
                value: backup.id,
                label: `${dateFormat.format(backup.createdAt)} UTC (${backup.kind})`,
              }))}
            />
          ) : null}
        </div>
      </Card>

      <Card
        id="audit-heading"
        title="Audit trail"
        description="The most recent events in this tenant, newest first."
      >
        <AuditTrail events={trail} viewerId={operator.userId} />
      </Card>
    </div>
  );
}
