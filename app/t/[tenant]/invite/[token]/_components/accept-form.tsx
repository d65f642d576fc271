'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Props = {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  token: string;
  email: string;
  /** An account with this e-mail exists: ask for its password instead of a new one. */
  hasAccount: boolean;
};

export function AcceptInvitationForm({ action, token, email, hasAccount }: Props) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="token" value={token} />
      <FormMessage result={state} />
      <TextField
        label="E-mail"
        name="email"
        type="email"
        autoComplete="username"
        value={email}
        readOnly
        className="[&_input]:bg-slate-50"
      />
      {hasAccount ? (
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          hint="You already have an account with this e-mail: enter its password."
          errors={errors?.password}
        />
      ) : (
        <>
          <TextField
            label="Your name"
            name="name"
            autoComplete="name"
            required
            maxLength={100}
            defaultValue={values?.name ?? ''}
            errors={errors?.name}
          />
          <TextField
            label="Choose a password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            hint="At least 10 characters."
            errors={errors?.password}
          />
        </>
      )}
      <SubmitButton pendingLabel="Joining…">
        {hasAccount ? 'Accept and sign in' : 'Create account and join'}
      </SubmitButton>
    </form>
  );
}
