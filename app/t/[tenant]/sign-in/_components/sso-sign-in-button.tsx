'use client';

import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

/** "Sign in with SSO": posts to the server action that sends the browser to the identity provider. */
export function SsoSignInButton({
  action,
}: {
  action: (state: ActionState) => Promise<ActionState>;
}) {
  const [state, formAction] = useActionState(action, null);
  return (
    <form action={formAction} className="space-y-3">
      <FormMessage result={state} />
      <SubmitButton pendingLabel="Redirecting…">Sign in with SSO</SubmitButton>
    </form>
  );
}
