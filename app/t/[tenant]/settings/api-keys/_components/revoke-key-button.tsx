'use client';

import { useEffect, useRef, useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Props = {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  id: string;
  name: string;
  /** Only active keys can be revoked; the component stays mounted to announce a revocation. */
  active: boolean;
};

/** Revoke with a confirmation step: the button opens a modal dialog whose form does the work. */
export function RevokeKeyButton({ action, id, name, active }: Props) {
  const { state, formAction } = useActionForm(action);
  const [open, setOpen] = useState(false);
  const revoked = state?.ok === true;
  const doneRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    // The button that had focus is gone once the row shows the key as revoked.
    if (revoked) doneRef.current?.focus();
  }, [revoked]);

  if (!active) {
    return revoked ? (
      <p ref={doneRef} tabIndex={-1} role="status" className="text-sm text-slate-600">
        Revoked just now.
      </p>
    ) : (
      <span className="text-slate-400" aria-hidden>
        —
      </span>
    );
  }

  return (
    <>
      <Button variant="secondary" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Revoke<span className="sr-only"> {name}</span>
      </Button>
      <Dialog open={open && !revoked} onClose={() => setOpen(false)} title={`Revoke “${name}”?`}>
        <p>
          Programs using this key are refused from the next request on. A revoked key cannot be
          brought back: to restore access, create a new key.
        </p>
        <form action={formAction} className="space-y-4">
          <input type="hidden" name="id" value={id} />
          <FormMessage result={state} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <SubmitButton variant="danger" pendingLabel="Revoking…">
              Revoke key
            </SubmitButton>
          </div>
        </form>
      </Dialog>
    </>
  );
}
