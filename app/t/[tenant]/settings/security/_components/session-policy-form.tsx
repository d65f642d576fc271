'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function SessionPolicyForm({
  action,
  values,
}: {
  action: (
    state: ActionState<{ saved: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ saved: boolean }>>;
  values: { sessionLifetimeHours: number; idleTimeoutMinutes: number };
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
          Session policy saved. Sessions outside it end at their next request.
        </p>
      ) : null}
      <TextField
        label="Session lifetime (hours)"
        name="sessionLifetimeHours"
        type="number"
        min={1}
        max={720}
        required
        defaultValue={echoed?.sessionLifetimeHours ?? String(values.sessionLifetimeHours)}
        hint="How long a sign-in lasts at most, active or not: 1 to 720 hours."
        errors={errors?.sessionLifetimeHours}
      />
      <TextField
        label="Idle timeout (minutes)"
        name="idleTimeoutMinutes"
        type="number"
        min={5}
        max={1440}
        required
        defaultValue={echoed?.idleTimeoutMinutes ?? String(values.idleTimeoutMinutes)}
        hint="A session without a request for this long ends: 5 to 1,440 minutes."
        errors={errors?.idleTimeoutMinutes}
      />
      <SubmitButton pendingLabel="Saving…">Save session policy</SubmitButton>
    </form>
  );
}
