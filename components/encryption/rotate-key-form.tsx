'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Action<T> = (state: ActionState<T>, formData: FormData) => Promise<ActionState<T>>;

/** "Rotate key now": a new data key version for new writes; the job re-encrypts the rest. */
export function RotateKeyForm({
  action,
  disabled,
  tenantId,
}: {
  action: Action<{ version: number }>;
  disabled: boolean;
  /** The console names the tenant; a tenant's own page has it from its host. */
  tenantId?: string;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-2">
      {tenantId ? <input type="hidden" name="id" value={tenantId} /> : null}
      <FormMessage result={state && !state.ok ? state : null} />
      {state?.ok ? (
        <p role="status" className="text-sm text-emerald-800">
          Key version {state.data.version} is now in use for new data.
        </p>
      ) : null}
      <SubmitButton pendingLabel="Rotating…" variant="secondary" disabled={disabled}>
        Rotate key now
      </SubmitButton>
      {disabled ? (
        <p className="text-sm text-slate-600">A rotation is running; wait for it to finish.</p>
      ) : null}
    </form>
  );
}
