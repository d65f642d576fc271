import { formatKeyDate, KeyVersionsTable } from '@/components/encryption/key-versions-table';
import { RotationProgress } from '@/components/encryption/rotation-progress';
import { requireMember } from '@/lib/actions';
import { encryptionOverview, ROTATION_INTERVAL_CHOICES } from '@/lib/crypto';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { rotateKeyAction, saveEncryptionPolicyAction } from './actions';
import { RotateKeyForm } from '@/components/encryption/rotate-key-form';
import { EncryptionPolicyForm } from './_components/encryption-forms';

export const metadata = { title: 'Encryption' };

export default async function EncryptionSettingsPage() {
  const { tenant, allowed } = await requireMember('security:manage');
  if (!allowed) return <Forbidden />;
  const overview = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
  const running = overview.rotation?.status === 'running' ? overview.rotation : null;

  return (
    <section aria-labelledby="encryption-heading" className="space-y-8">
      <div>
        <h1 id="encryption-heading" className="text-2xl font-semibold">
          Encryption
        </h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          {tenant.name}’s documents (titles and bodies), single sign-on client secret and members’
          two-factor secrets are encrypted at rest with AES-256-GCM under a data key of this
          workspace alone. The key is stored only wrapped by the platform’s master key.
        </p>
      </div>

      {running ? (
        <RotationProgress
          version={running.targetVersion}
          done={running.doneRows}
          total={running.totalRows}
        />
      ) : null}

      <div className="space-y-3">
        <h2 className="text-lg font-semibold">Key versions</h2>
        {overview.keys.length === 0 ? (
          <p className="text-sm text-slate-600">
            No key yet: the first one is made when this workspace first stores something encrypted.
          </p>
        ) : (
          <KeyVersionsTable keys={overview.keys} />
        )}
        {overview.rotation && !running ? (
          <p className="text-sm text-slate-600">
            Last rotation: version {overview.rotation.targetVersion},{' '}
            {overview.rotation.doneRows.toLocaleString('en')} records re-encrypted, finished{' '}
            {overview.rotation.finishedAt ? formatKeyDate(overview.rotation.finishedAt) : '—'}.
          </p>
        ) : null}
      </div>

      {overview.destroyed ? (
        <p role="alert" className="text-sm text-red-800">
          This workspace’s keys have been destroyed; its encrypted data cannot be read.
        </p>
      ) : (
        <>
          <div className="space-y-2 border-t border-slate-200 pt-6">
            <h2 className="text-lg font-semibold">Rotate now</h2>
            <p className="max-w-2xl text-sm text-slate-600">
              A new key version takes every new write at once. Existing data is re-encrypted in the
              background, and the old version is retired when nothing uses it any more.
            </p>
            <RotateKeyForm action={rotateKeyAction} disabled={Boolean(running)} />
          </div>
          <div className="space-y-2 border-t border-slate-200 pt-6">
            <h2 className="text-lg font-semibold">Rotation policy</h2>
            <p className="max-w-2xl text-sm text-slate-600">
              {overview.nextRotationAt
                ? `Next automatic rotation: ${formatKeyDate(overview.nextRotationAt)}.`
                : 'The key is rotated only when someone rotates it here.'}
            </p>
            <EncryptionPolicyForm
              action={saveEncryptionPolicyAction}
              intervalDays={overview.rotationIntervalDays}
              choices={ROTATION_INTERVAL_CHOICES}
            />
          </div>
        </>
      )}
    </section>
  );
}
