'use client';

import { useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Action = (state: ActionState, formData: FormData) => Promise<ActionState>;

/** A button that asks in a dialog before posting `fields` (hidden inputs) to `action`. */
export function ConfirmAction({
  action,
  fields,
  label,
  title,
  body,
  confirmLabel,
  pendingLabel,
  variant = 'secondary',
}: {
  action: Action;
  fields: Record<string, string>;
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
          {Object.entries(fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
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
