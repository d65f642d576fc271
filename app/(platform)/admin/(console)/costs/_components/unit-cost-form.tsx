'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

/** What the unit-cost action returns on success. */
export type UnitCostsSaved = { message: string };

export type UnitCostFieldDTO = {
  name: string;
  label: string;
  /** The unit the cost is quoted per, e.g. "GB-month". */
  per: string;
  /** The stored cost in dollars, as an operator would type it ("0.023"). */
  dollars: string;
  configured: boolean;
};

export function UnitCostForm({
  action,
  fields,
}: {
  action: (
    state: ActionState<UnitCostsSaved>,
    formData: FormData,
  ) => Promise<ActionState<UnitCostsSaved>>;
  fields: UnitCostFieldDTO[];
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage result={state} />
      {state?.ok ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          {state.data.message}
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {fields.map((field) => (
          <TextField
            key={`${field.name}:${field.dollars}`}
            label={`${field.label} (USD per ${field.per})`}
            name={field.name}
            inputMode="decimal"
            autoComplete="off"
            required
            defaultValue={values?.[field.name] ?? field.dollars}
            errors={errors?.[field.name]}
            hint={field.configured ? undefined : 'Not set yet: counted as free.'}
          />
        ))}
      </div>
      <SubmitButton pendingLabel="Saving unit costs…">Save unit costs</SubmitButton>
    </form>
  );
}
