'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { FormMessage, TextAreaField, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Props = {
  action: (
    state: ActionState<{ id: string }>,
    formData: FormData,
  ) => Promise<ActionState<{ id: string }>>;
  document?: { id: string; title: string; body: string };
  cancelHref: string;
};

export function DocumentForm({ action, document, cancelHref }: Props) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage result={state} />
      {document ? <input type="hidden" name="id" value={document.id} /> : null}
      <TextField
        label="Title"
        name="title"
        required
        maxLength={200}
        defaultValue={values?.title ?? document?.title}
        errors={errors?.title}
      />
      <TextAreaField
        label="Body"
        name="body"
        maxLength={100_000}
        defaultValue={values?.body ?? document?.body}
        errors={errors?.body}
      />
      <div className="flex gap-3">
        <SubmitButton pendingLabel="Saving…">
          {document ? 'Save changes' : 'Create document'}
        </SubmitButton>
        <Link href={cancelHref} className={buttonClasses('secondary')}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
