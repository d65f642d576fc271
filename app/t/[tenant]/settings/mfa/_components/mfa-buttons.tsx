'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { RecoveryCodes } from '@/components/mfa/recovery-codes';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

/** Begins (or begins again) adding an authenticator app; the page then shows its QR code. */
export function StartEnrolmentButton<T>({
  action,
  label,
}: {
  action: (state: ActionState<T>, formData: FormData) => Promise<ActionState<T>>;
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

/** New recovery codes; the old ones stop working. The new ones are shown here, once. */
export function RegenerateCodesButton({
  action,
}: {
  action: (
    state: ActionState<{ recoveryCodes: string[] }>,
    formData: FormData,
  ) => Promise<ActionState<{ recoveryCodes: string[] }>>;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <div className="space-y-4">
      {state?.ok ? <RecoveryCodes codes={state.data.recoveryCodes} /> : null}
      <form action={formAction} className="space-y-2">
        <FormMessage result={state} />
        <SubmitButton variant="secondary" pendingLabel="Generating…">
          Generate new recovery codes
        </SubmitButton>
      </form>
    </div>
  );
}

export function RemoveFactorButton({
  action,
}: {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-2">
      <FormMessage result={state} />
      <SubmitButton variant="danger" pendingLabel="Turning off…">
        Turn off two-factor sign-in
      </SubmitButton>
    </form>
  );
}
