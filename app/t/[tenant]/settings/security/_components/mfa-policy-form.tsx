'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { CheckboxField } from '@/components/ui/checkbox';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function MfaPolicyForm({
  action,
  values,
}: {
  action: (
    state: ActionState<{ saved: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ saved: boolean }>>;
  values: { requireMfa: boolean };
}) {
  const { state, formAction, errors, values: echoed } = useActionForm(action);
  return (
    <form action={formAction} className="max-w-md space-y-4" noValidate>
      <FormMessage result={state} />
      {state?.ok ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          Two-factor policy saved.
        </p>
      ) : null}
      <CheckboxField
        name="requireMfa"
        label="Require two-factor sign-in for every member"
        defaultChecked={echoed ? echoed.requireMfa === 'on' : values.requireMfa}
        errors={errors?.requireMfa}
      />
      <SubmitButton pendingLabel="Saving…">Save two-factor policy</SubmitButton>
    </form>
  );
}
