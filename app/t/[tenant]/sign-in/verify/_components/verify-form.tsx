'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function VerifyCodeForm({
  action,
}: {
  action: (
    state: ActionState<'totp' | 'recovery_code'>,
    formData: FormData,
  ) => Promise<ActionState<'totp' | 'recovery_code'>>;
}) {
  const { state, formAction, errors } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage result={state} />
      <TextField
        label="Code"
        name="code"
        autoComplete="one-time-code"
        autoFocus
        required
        maxLength={64}
        spellCheck={false}
        hint="The 6-digit code from your authenticator app, or one of your recovery codes."
        errors={errors?.code}
      />
      <SubmitButton pendingLabel="Checking…">Verify</SubmitButton>
    </form>
  );
}
