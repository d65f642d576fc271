'use client';

import { useEffect } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Action<T> = (state: ActionState<T>, formData: FormData) => Promise<ActionState<T>>;

/**
 * One plan choice. In internal mode the action changes the plan and the page shows the result;
 * in Stripe mode it answers with a Stripe page (Checkout, the Customer Portal) to go to.
 */
export function PlanChoiceForm<T extends object>({
  action,
  plan,
  label,
  pendingLabel,
  variant,
  done,
}: {
  action: Action<T>;
  plan?: string;
  label: string;
  pendingLabel: string;
  variant?: 'primary' | 'secondary';
  done?: string;
}) {
  const { state, formAction } = useActionForm(action);
  const url = state?.ok && 'url' in state.data ? String(state.data.url) : null;
  useEffect(() => {
    if (url) window.location.assign(url);
  }, [url]);
  return (
    <form action={formAction} className="space-y-2">
      {plan ? <input type="hidden" name="plan" value={plan} /> : null}
      <FormMessage result={state && !state.ok ? state : null} />
      {url ? (
        <p role="status" className="text-sm text-slate-600">
          Opening Stripe…
        </p>
      ) : state?.ok && done ? (
        <p role="status" className="text-sm text-emerald-800">
          {done}
        </p>
      ) : null}
      <SubmitButton pendingLabel={pendingLabel} variant={variant}>
        {label}
      </SubmitButton>
    </form>
  );
}
