'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Action<T> = (state: ActionState<T>, formData: FormData) => Promise<ActionState<T>>;

export function EncryptionPolicyForm({
  action,
  intervalDays,
  choices,
}: {
  action: Action<{ saved: boolean }>;
  intervalDays: number | null;
  choices: readonly number[];
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  const options = [
    { value: '', label: 'Only when rotated by hand' },
    ...[...new Set([...choices, ...(intervalDays ? [intervalDays] : [])])]
      .sort((a, b) => a - b)
      .map((days) => ({ value: String(days), label: `Every ${days} days` })),
  ];
  return (
    <form action={formAction} className="max-w-md space-y-4" noValidate>
      <FormMessage result={state} />
      {state?.ok ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          Rotation policy saved.
        </p>
      ) : null}
      <SelectField
        name="rotationIntervalDays"
        label="Rotate the data key automatically"
        options={options}
        defaultValue={values ? values.rotationIntervalDays : String(intervalDays ?? '')}
        errors={errors?.rotationIntervalDays}
      />
      <SubmitButton pendingLabel="Saving…">Save rotation policy</SubmitButton>
    </form>
  );
}
