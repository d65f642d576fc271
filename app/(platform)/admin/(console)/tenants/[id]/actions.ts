'use server';

import { after } from 'next/server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { platformAction, type ActionState, type PlatformActionHandler } from '@/lib/actions';
import { cloneBackup, requestBackup, requestRestore, runBackupJobsFor } from '@/lib/backups';
import { continueRotation, rotateKeyNow } from '@/lib/crypto';
import { slugSchema } from '@/lib/host';
import {
  changePlanForm,
  changeStatusForm,
  metadataForm,
  overridesForm,
  tenantIdSchema,
  type TenantChange,
} from '@/lib/operators';
import { plans, type PlanId } from '@/lib/plans';
import { statusLabels, tenantNameSchema, updateTenant, type TenantDTO } from '@/lib/tenancy';
import type { ConsoleSaved } from './_components/saved-message';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. platformAction refuses tenant hosts, validates, checks
// the operator's session and runs the change in one platform transaction; updateTenant checks
// the status machine and writes the audit event (actor: this operator) in that transaction.

/** Applies a console form's change through updateTenant; `describe` words the result for the form. */
function applyChange(
  describe: (after: TenantDTO) => string,
): PlatformActionHandler<z.ZodType<TenantChange>, ConsoleSaved> {
  return async ({ tx, ctx, input }) => {
    const tenant = await updateTenant(tx, {
      id: input.id,
      changes: input.changes,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { id: tenant.id, message: describe(tenant) };
  };
}

// Every console page may show what changed (the list's status and plan columns too).
const refresh = () => revalidatePath('/admin', 'layout');

const planName = (plan: string) => plans[plan as PlanId]?.name ?? plan;

const changeStatus = platformAction(
  { name: 'tenant.change_status', input: changeStatusForm },
  applyChange((tenant) => `Status changed to ${statusLabels[tenant.status]}.`),
  refresh,
);

const changePlan = platformAction(
  { name: 'tenant.change_plan', input: changePlanForm },
  applyChange((tenant) => `Plan changed to ${planName(tenant.plan)}.`),
  refresh,
);

const updateOverrides = platformAction(
  { name: 'tenant.update_overrides', input: overridesForm },
  applyChange(() => 'Overrides saved.'),
  refresh,
);

const updateMetadata = platformAction(
  { name: 'tenant.update_metadata', input: metadataForm },
  applyChange(() => 'Metadata saved.'),
  refresh,
);

const rotateKey = platformAction(
  { name: 'encryption.rotate', input: z.object({ id: tenantIdSchema }) },
  async ({ tx, ctx, input }) => {
    const { rotationId, version } = await rotateKeyNow(tx, {
      tenantId: input.id,
      actor: ctx.actor,
      request: ctx.request,
    });
    // Re-encrypt straight away, after the answer; the key job picks up whatever is left.
    after(() => continueRotation(rotationId));
    return { version };
  },
  refresh,
);

const backUp = platformAction(
  { name: 'backup.request', input: z.object({ id: tenantIdSchema }) },
  async ({ tx, ctx, input }) => {
    await requestBackup(tx, { tenantId: input.id, actor: ctx.actor, request: ctx.request });
    // The backup job for this tenant after the answer; the minute's job would anyway.
    after(runBackupJobsFor(input.id));
    return { id: input.id, message: 'Backup started. It is listed below when it is ready.' };
  },
  refresh,
);

const backupChoice = z.object({
  id: tenantIdSchema,
  backupId: z.uuid({ message: 'Choose a backup.' }),
});

const restore = platformAction(
  { name: 'backup.restore', input: backupChoice },
  async ({ tx, ctx, input }) => {
    await requestRestore(tx, {
      tenantId: input.id,
      backupId: input.backupId,
      actor: ctx.actor,
      request: ctx.request,
    });
    // The backup job for this tenant after the answer; the minute's job would anyway.
    after(runBackupJobsFor(input.id));
  },
  refresh,
);

const clone = platformAction(
  {
    name: 'backup.clone',
    input: backupChoice.extend({ slug: slugSchema, name: tenantNameSchema }),
  },
  async ({ tx, ctx, input }) => {
    const cloned = await cloneBackup(tx, {
      sourceTenantId: input.id,
      backupId: input.backupId,
      slug: input.slug,
      name: input.name,
      actor: ctx.actor,
      request: ctx.request,
    });
    return {
      id: cloned.tenantId,
      message: `Cloned into ${cloned.slug} (${cloned.rows.toLocaleString('en')} records).`,
    };
  },
  refresh,
);

export async function changeStatusAction(previous: ActionState<ConsoleSaved>, formData: FormData) {
  return changeStatus(previous, formData);
}

export async function changePlanAction(previous: ActionState<ConsoleSaved>, formData: FormData) {
  return changePlan(previous, formData);
}

export async function updateOverridesAction(
  previous: ActionState<ConsoleSaved>,
  formData: FormData,
) {
  return updateOverrides(previous, formData);
}

export async function updateMetadataAction(
  previous: ActionState<ConsoleSaved>,
  formData: FormData,
) {
  return updateMetadata(previous, formData);
}

export async function rotateKeyAction(
  previous: ActionState<{ version: number }>,
  formData: FormData,
) {
  return rotateKey(previous, formData);
}

export async function backUpTenantAction(previous: ActionState<ConsoleSaved>, formData: FormData) {
  return backUp(previous, formData);
}

export async function restoreTenantBackupAction(previous: ActionState, formData: FormData) {
  return restore(previous, formData);
}

export async function cloneTenantBackupAction(
  previous: ActionState<ConsoleSaved>,
  formData: FormData,
) {
  return clone(previous, formData);
}
