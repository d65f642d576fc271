'use server';

import { after } from 'next/server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import { requestBackup, requestRestore, runBackupJobsFor } from '@/lib/backups';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action (validate, authenticate, security:manage); the lib
// function audits the request in the action's transaction, and the backup job does the work.

const refresh = () => revalidatePath('/settings/backups');

const backUp = tenantAction(
  { name: 'backup.request', input: z.object({}), permission: 'security:manage' },
  async ({ tx, ctx }) => {
    const backup = await requestBackup(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
    });
    // The backup job for this tenant after the answer; the minute's job would anyway.
    after(runBackupJobsFor(ctx.tenant.id));
    return backup;
  },
  refresh,
);

const restore = tenantAction(
  {
    name: 'backup.restore',
    input: z.object({ backupId: z.uuid({ message: 'Choose a backup.' }) }),
    permission: 'security:manage',
  },
  async ({ tx, ctx, input }) => {
    await requestRestore(tx, {
      tenantId: ctx.tenant.id,
      backupId: input.backupId,
      actor: ctx.actor,
      request: ctx.request,
    });
    // The backup job for this tenant after the answer; the minute's job would anyway.
    after(runBackupJobsFor(ctx.tenant.id));
  },
  refresh,
);

export async function requestBackupAction(
  previous: ActionState<{ id: string }>,
  formData: FormData,
) {
  return backUp(previous, formData);
}

export async function requestRestoreAction(previous: ActionState, formData: FormData) {
  return restore(previous, formData);
}
