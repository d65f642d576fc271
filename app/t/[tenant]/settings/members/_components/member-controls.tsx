'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Action = (state: ActionState, formData: FormData) => Promise<ActionState>;

/** Role select for one member; the options are only the roles the viewer may grant. */
export function RoleForm({
  action,
  membershipId,
  name,
  role,
  options,
}: {
  action: Action;
  membershipId: string;
  name: string;
  role: string;
  options: { value: string; label: string }[];
}) {
  const { state, formAction, errors } = useActionForm(action);
  const selectId = `role-${membershipId}`;
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="membershipId" value={membershipId} />
      <label htmlFor={selectId} className="sr-only">
        Role of {name}
      </label>
      <select
        id={selectId}
        name="role"
        defaultValue={role}
        aria-invalid={errors?.role ? true : undefined}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <SubmitButton variant="secondary" pendingLabel="Saving…">
        Save<span className="sr-only"> role of {name}</span>
      </SubmitButton>
      {state?.ok ? (
        <span role="status" className="text-sm text-emerald-700">
          Saved.
        </span>
      ) : (
        <FormMessage result={state} />
      )}
    </form>
  );
}
