'use client';

import { useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Props = {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  invitationId: string;
  email: string;
};

/** Revoke with a confirmation step: the link in the e-mail stops working at once. */
export function InviteRevokeButton({ action, invitationId, email }: Props) {
  const { state, formAction } = useActionForm(action);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Revoke<span className="sr-only"> the invitation for {email}</span>
      </Button>
      <Dialog
        open={open && !state?.ok}
        onClose={() => setOpen(false)}
        title={`Revoke the invitation for ${email}?`}
      >
        <p>The link in their e-mail stops working at once. You can invite them again later.</p>
        <form action={formAction} className="space-y-4">
          <input type="hidden" name="invitationId" value={invitationId} />
          <FormMessage result={state} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <SubmitButton variant="danger" pendingLabel="Revoking…">
              Revoke invitation
            </SubmitButton>
          </div>
        </form>
      </Dialog>
    </>
  );
}
