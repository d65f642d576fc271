'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';
import type { RoleDTO } from '@/lib/roles';

/**
 * The form of one custom role's column in the matrix. Its name field and permission boxes sit
 * in the table's cells and join this form through their `form` attribute; this part holds the
 * role id, the save button and the outcome.
 */
export function RoleColumnForm({
  formId,
  role,
  action,
}: {
  formId: string;
  role: Pick<RoleDTO, 'key' | 'name'>;
  action: (state: ActionState<RoleDTO>, formData: FormData) => Promise<ActionState<RoleDTO>>;
}) {
  const { state, formAction, errors } = useActionForm(action);
  const problem = state && !state.ok ? [state.message, ...Object.values(errors ?? {}).flat()] : [];
  return (
    <form id={formId} action={formAction} className="space-y-1">
      <input type="hidden" name="roleId" value={role.key} />
      <SubmitButton variant="secondary" pendingLabel="Saving…">
        Save<span className="sr-only"> {role.name}</span>
      </SubmitButton>
      {state?.ok ? (
        <p role="status" className="text-xs text-emerald-700">
          Saved.
        </p>
      ) : null}
      {problem.length ? (
        <p role="alert" className="text-xs text-red-700">
          {[...new Set(problem)].join(' ')}
        </p>
      ) : null}
    </form>
  );
}
