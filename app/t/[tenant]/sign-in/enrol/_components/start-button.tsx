'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function StartSignInEnrolmentButton({
  action,
  label,
}: {
  action: (
    state: ActionState<{ secret: string }>,
    formData: FormData,
  ) => Promise<ActionState<{ secret: string }>>;
  label: string;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-2">
      <FormMessage result={state} />
      <SubmitButton pendingLabel="Preparing…">{label}</SubmitButton>
    </form>
  );
}
