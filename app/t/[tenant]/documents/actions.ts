'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  createDocument,
  createDocumentInput,
  deleteDocument,
  documentIdSchema,
  updateDocument,
  updateDocumentInput,
} from '@/lib/documents';

// Next.js accepts only async function declarations as exports of a 'use server' file, so
// each export delegates to its wrapped action.

const create = tenantAction(
  { name: 'document.create', input: createDocumentInput, permission: 'documents:write' },
  ({ tx, ctx, input }) =>
    createDocument(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      ...input,
    }),
  (document) => redirect(`/documents/${document.id}`),
);

const update = tenantAction(
  { name: 'document.update', input: updateDocumentInput, permission: 'documents:write' },
  ({ tx, ctx, input }) =>
    updateDocument(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      ...input,
    }),
  (document) => {
    revalidatePath(`/documents/${document.id}`);
    redirect(`/documents/${document.id}`);
  },
);

const remove = tenantAction(
  {
    name: 'document.delete',
    input: z.object({ id: documentIdSchema }),
    permission: 'documents:delete',
  },
  ({ tx, ctx, input }) =>
    deleteDocument(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      id: input.id,
    }),
  () => redirect('/documents'),
);

export async function createDocumentAction(
  previous: ActionState<{ id: string }>,
  formData: FormData,
) {
  return create(previous, formData);
}

export async function updateDocumentAction(
  previous: ActionState<{ id: string }>,
  formData: FormData,
) {
  return update(previous, formData);
}

export async function deleteDocumentAction(previous: ActionState, formData: FormData) {
  return remove(previous, formData);
}
