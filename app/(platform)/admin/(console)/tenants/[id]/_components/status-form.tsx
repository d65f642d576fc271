'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { CheckboxField } from '@/components/ui/checkbox';
import { FormMessage, TextField } from '@/components/ui/field';
import { SelectField, type SelectOption } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import { SavedMessage, type ConsoleAction } from './saved-message';

type Props = {
  action: ConsoleAction;
  tenant: { id: string; name: string; statusLabel: string };
  /** The statuses the lifecycle allows from the current one. */
  options: SelectOption[];
};

/**
 * A status change needs a reason (it goes into the audit trail) and an explicit confirmation:
 * suspending or archiving a tenant locks its members out at once. Works without script.
 */
export function StatusForm({ action, tenant, options }: Props) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="id" value={tenant.id} />
      <FormMessage result={state} />
      <SavedMessage state={state} />
      <p className="text-sm text-slate-600">
        Currently <strong>{tenant.statusLabel}</strong>.
      </p>
      <SelectField
        label="New status"
        name="status"
        options={options}
        placeholder="Choose a status…"
        defaultValue={values?.status}
        errors={errors?.status}
        required
      />
      <TextField
        label="Reason"
        name="reason"
        required
        maxLength={500}
        hint="Recorded in the tenant’s audit trail."
        defaultValue={values?.reason}
        errors={errors?.reason}
      />
      <CheckboxField
        name="confirm"
        label={
          <>
            I understand that this changes access to {tenant.name} for all of its members at once.
          </>
        }
        errors={errors?.confirm}
        required
      />
      <SubmitButton variant="danger" pendingLabel="Changing status…">
        Change status
      </SubmitButton>
    </form>
  );
}
