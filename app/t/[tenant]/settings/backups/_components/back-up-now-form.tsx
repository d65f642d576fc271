'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function BackUpNowForm({
  action,
  disabled,
}: {
  action: (
    state: ActionState<{ id: string }>,
    formData: FormData,
  ) => Promise<ActionState<{ id: string }>>;
  disabled: boolean;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-2">
      <FormMessage result={state && !state.ok ? state : null} />
      {state?.ok ? (
        <p role="status" className="text-sm text-emerald-800">
          Backup started. It appears below when it is ready.
        </p>
      ) : null}
      <SubmitButton pendingLabel="Starting…" disabled={disabled}>
        Back up now
      </SubmitButton>
    </form>
  );
}
