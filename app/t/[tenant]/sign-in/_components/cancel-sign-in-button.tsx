'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import type { ActionState } from '@/lib/actions';

/** Gives up a half sign-in (to use another account, say): its session is revoked. */
export function CancelSignInButton({
  action,
}: {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="text-sm">
      <FormMessage result={state} />
      <button type="submit" className="text-slate-600 underline hover:text-slate-900">
        Cancel and sign in again
      </button>
    </form>
  );
}
