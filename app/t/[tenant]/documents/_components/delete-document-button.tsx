'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function DeleteDocumentButton({
  action,
  id,
  title,
}: {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  id: string;
  title: string;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        if (!window.confirm(`Delete “${title}”? This cannot be undone.`)) event.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="danger" pendingLabel="Deleting…">
        Delete
      </SubmitButton>
      <FormMessage result={state} />
    </form>
  );
}
