'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { CheckboxField } from '@/components/ui/checkbox';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function AccountPolicyForm({
  action,
  values,
}: {
  action: (
    state: ActionState<{ saved: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ saved: boolean }>>;
  values: {
    passwordMinLength: number;
    refuseCommonPasswords: boolean;
    allowedEmailDomains: string[];
  };
}) {
  const { state, formAction, errors, values: echoed } = useActionForm(action);
  // One message per bad domain arrives under allowedEmailDomains.<index>.
  const domainErrors = Object.entries(errors ?? {})
    .filter(([key]) => key === 'allowedEmailDomains' || key.startsWith('allowedEmailDomains.'))
    .flatMap(([, messages]) => messages);
  return (
    <form action={formAction} className="max-w-md space-y-4" noValidate>
      <FormMessage result={state} />
      {state?.ok ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          Rules for new members saved.
        </p>
      ) : null}
      <TextField
        label="Minimum password length"
        name="passwordMinLength"
        type="number"
        min={10}
        max={128}
        required
        defaultValue={echoed?.passwordMinLength ?? String(values.passwordMinLength)}
        hint="10 to 128 characters."
        errors={errors?.passwordMinLength}
      />
      <CheckboxField
        name="refuseCommonPasswords"
        label="Refuse the most common passwords"
        defaultChecked={
          echoed ? echoed.refuseCommonPasswords === 'on' : values.refuseCommonPasswords
        }
        errors={errors?.refuseCommonPasswords}
      />
      <TextField
        label="Allowed e-mail domains"
        name="allowedEmailDomains"
        defaultValue={echoed?.allowedEmailDomains ?? values.allowedEmailDomains.join(', ')}
        hint="Separate with commas, e.g. acme.com, acme.co.uk. Empty: any domain may be invited."
        errors={domainErrors.length > 0 ? domainErrors : undefined}
      />
      <SubmitButton pendingLabel="Saving…">Save rules for new members</SubmitButton>
    </form>
  );
}
