'use client';

import { useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

/**
 * Delete with a confirmation step. The form that deletes exists only inside the dialog, so a
 * click before the page has hydrated cannot delete without asking.
 */
export function DeleteDocumentButton({
  action,
  id,
  title,
}: {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  id: string;
  title: string;
}) {
  const { state, formAction } = useActionForm(action);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="danger" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Delete
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Delete “${title}”?`}>
        <p>This cannot be undone.</p>
        <form action={formAction} className="space-y-4">
          <input type="hidden" name="id" value={id} />
          <FormMessage result={state} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Keep it
            </Button>
            <SubmitButton variant="danger" pendingLabel="Deleting…">
              Delete document
            </SubmitButton>
          </div>
        </form>
      </Dialog>
    </>
  );
}
