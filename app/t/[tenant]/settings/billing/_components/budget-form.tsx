'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { CheckboxField } from '@/components/ui/checkbox';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function BudgetForm({
  action,
  values,
}: {
  action: (
    state: ActionState<{ saved: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ saved: boolean }>>;
  values: { amount: string; thresholds: string; capOverage: boolean };
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
          Budget saved.
        </p>
      ) : null}
      <TextField
        label="Monthly budget (USD)"
        name="amount"
        inputMode="decimal"
        required
        defaultValue={echoed?.amount ?? values.amount}
        hint="What this workspace means to spend a month, plan included, e.g. 250 or 250.50."
        errors={errors?.amount}
      />
      <TextField
        label="Alert at (% of the budget)"
        name="thresholds"
        required
        defaultValue={echoed?.thresholds ?? values.thresholds}
        hint="Up to five percentages, e.g. 50, 80, 100. Billing managers get one e-mail per threshold a month."
        errors={errors?.thresholds}
      />
      <CheckboxField
        name="capOverage"
        label="Cap overage at the budget: refuse usage past the plan’s allowances once the budget is spent, instead of billing it"
        defaultChecked={echoed ? echoed.capOverage === 'on' : values.capOverage}
        errors={errors?.capOverage}
      />
      <SubmitButton pendingLabel="Saving…">Save budget</SubmitButton>
    </form>
  );
}

export function RemoveBudgetForm({
  action,
}: {
  action: (
    state: ActionState<{ removed: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ removed: boolean }>>;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction}>
      <FormMessage result={state && !state.ok ? state : null} />
      <SubmitButton pendingLabel="Removing…" variant="secondary">
        Remove budget
      </SubmitButton>
    </form>
  );
}
