'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SelectField, type SelectOption } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

export function NewTenantForm({
  action,
  rootDomain,
  planOptions,
}: {
  action: (
    state: ActionState<{ id: string }>,
    formData: FormData,
  ) => Promise<ActionState<{ id: string }>>;
  rootDomain: string;
  planOptions: SelectOption[];
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="max-w-xl space-y-4" noValidate>
      <FormMessage result={state} />
      <TextField
        label="Name"
        name="name"
        required
        defaultValue={values?.name}
        errors={errors?.name}
      />
      <TextField
        label="Address"
        name="slug"
        required
        defaultValue={values?.slug}
        hint={`Lowercase letters, digits and hyphens; the portal will be at <address>.${rootDomain}`}
        errors={errors?.slug}
      />
      <SelectField
        label="Plan"
        name="plan"
        options={planOptions}
        defaultValue={values?.plan ?? 'free'}
        errors={errors?.plan}
      />
      <TextField
        label="Owner’s e-mail"
        name="ownerEmail"
        type="email"
        required
        defaultValue={values?.ownerEmail}
        errors={errors?.ownerEmail}
        hint="An existing account becomes the owner as it is; otherwise one is created."
      />
      <TextField
        label="Owner’s password (optional)"
        name="ownerPassword"
        type="password"
        autoComplete="new-password"
        errors={errors?.ownerPassword}
        hint="For a new account only. Leave empty and the owner cannot sign in until a password is set."
      />
      <SubmitButton pendingLabel="Creating tenant…">Create tenant</SubmitButton>
    </form>
  );
}
