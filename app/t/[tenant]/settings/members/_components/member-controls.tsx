'use client';

import { useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
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

/** A button that asks in a dialog before posting `membershipId` to `action`. */
export function ConfirmMemberAction({
  action,
  membershipId,
  label,
  title,
  body,
  confirmLabel,
  pendingLabel,
  variant = 'secondary',
}: {
  action: Action;
  membershipId: string;
  label: string;
  title: string;
  body: string;
  confirmLabel: string;
  pendingLabel: string;
  variant?: 'secondary' | 'danger';
}) {
  const { state, formAction } = useActionForm(action);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant={variant} aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Dialog open={open && !state?.ok} onClose={() => setOpen(false)} title={title}>
        <p>{body}</p>
        <form action={formAction} className="space-y-4">
          <input type="hidden" name="membershipId" value={membershipId} />
          <FormMessage result={state} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <SubmitButton
              variant={variant === 'danger' ? 'danger' : 'primary'}
              pendingLabel={pendingLabel}
            >
              {confirmLabel}
            </SubmitButton>
          </div>
        </form>
      </Dialog>
    </>
  );
}
