'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SelectField, type SelectOption } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import { SavedMessage, type ConsoleAction } from './saved-message';

export function PlanForm({
  action,
  tenantId,
  plan,
  options,
}: {
  action: ConsoleAction;
  tenantId: string;
  plan: string;
  options: SelectOption[];
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="id" value={tenantId} />
      <FormMessage result={state} />
      <SavedMessage state={state} />
      <SelectField
        label="Subscription plan"
        name="plan"
        options={options}
        defaultValue={values?.plan ?? plan}
        errors={errors?.plan}
        hint="Features and limits follow the plan, except where an override below says otherwise."
      />
      <SubmitButton variant="secondary" pendingLabel="Changing plan…">
        Change plan
      </SubmitButton>
    </form>
  );
}
