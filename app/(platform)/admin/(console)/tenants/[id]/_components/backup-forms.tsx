'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SelectField, type SelectOption } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import { SavedMessage, type ConsoleAction } from './saved-message';

/** "Back up now" for the tenant: the backup job makes it within moments. */
export function ConsoleBackUpForm({
  action,
  tenantId,
  disabled,
}: {
  action: ConsoleAction;
  tenantId: string;
  disabled: boolean;
}) {
  const { state, formAction } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-2">
      <input type="hidden" name="id" value={tenantId} />
      <FormMessage result={state && !state.ok ? state : null} />
      <SavedMessage state={state} />
      <SubmitButton variant="secondary" pendingLabel="Starting…" disabled={disabled}>
        Back up now
      </SubmitButton>
    </form>
  );
}

/** A ready backup restored into a new tenant (new ids; no credentials or billing history). */
export function CloneBackupForm({
  action,
  tenantId,
  backups,
}: {
  action: ConsoleAction;
  tenantId: string;
  backups: SelectOption[];
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="id" value={tenantId} />
      <FormMessage result={state} />
      <SavedMessage state={state} />
      <SelectField
        label="Backup"
        name="backupId"
        options={backups}
        defaultValue={values?.backupId ?? backups[0]?.value}
        errors={errors?.backupId}
      />
      <TextField
        label="New tenant’s address"
        name="slug"
        defaultValue={values?.slug}
        errors={errors?.slug}
        hint="Lower-case letters, digits and hyphens: <address>.your-domain"
        autoComplete="off"
      />
      <TextField
        label="New tenant’s name"
        name="name"
        defaultValue={values?.name}
        errors={errors?.name}
        autoComplete="off"
      />
      <SubmitButton variant="secondary" pendingLabel="Cloning…">
        Clone into a new tenant
      </SubmitButton>
    </form>
  );
}
