'use server';

import { after } from 'next/server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  continueRotation,
  encryptionPolicyInput,
  rotateKeyNow,
  saveEncryptionPolicy,
} from '@/lib/crypto';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action (validate, authenticate, security:manage); the lib
// function audits the change in the action's transaction.

const refresh = () => revalidatePath('/settings/encryption');

const rotate = tenantAction(
  { name: 'encryption.rotate', input: z.object({}), permission: 'security:manage' },
  async ({ tx, ctx }) => {
    const { rotationId, version } = await rotateKeyNow(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
    });
    // Re-encrypt straight away, after the answer; the key job picks up whatever is left.
    after(() => continueRotation(rotationId));
    return { version };
  },
  refresh,
);

const savePolicy = tenantAction(
  {
    name: 'encryption.update_policy',
    input: encryptionPolicyInput,
    permission: 'security:manage',
  },
  async ({ tx, ctx, input }) => {
    await saveEncryptionPolicy(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      rotationIntervalDays: input.rotationIntervalDays,
    });
    return { saved: true };
  },
  refresh,
);

export async function rotateKeyAction(
  previous: ActionState<{ version: number }>,
  formData: FormData,
) {
  return rotate(previous, formData);
}

export async function saveEncryptionPolicyAction(
  previous: ActionState<{ saved: boolean }>,
  formData: FormData,
) {
  return savePolicy(previous, formData);
}
