'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function RevokeSessionButton({
  action,
  sessionId,
  label,
}: {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  sessionId: string;
  label: string;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction}>
      <input type="hidden" name="sessionId" value={sessionId} />
      <SubmitButton variant="secondary" pendingLabel="Signing out…">
        Sign out<span className="sr-only"> {label}</span>
      </SubmitButton>
      <FormMessage result={state} />
    </form>
  );
}

/** Stays mounted when no other session is left, so the outcome is still announced. */
export function RevokeOthersButton({
  action,
  hasOthers,
}: {
  action: (state: ActionState<number>, formData: FormData) => Promise<ActionState<number>>;
  hasOthers: boolean;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-2">
      {hasOthers ? (
        <SubmitButton variant="danger" pendingLabel="Signing out…">
          Sign out all other sessions
        </SubmitButton>
      ) : null}
      {state?.ok ? (
        <p role="status" className="text-sm text-emerald-700">
          {state.data === 1
            ? 'One other session was signed out.'
            : `${state.data} other sessions were signed out.`}
        </p>
      ) : (
        <FormMessage result={state} />
      )}
    </form>
  );
}
