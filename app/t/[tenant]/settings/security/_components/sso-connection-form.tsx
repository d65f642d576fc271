'use client';

import { useActionState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { CheckboxField } from '@/components/ui/checkbox';
import { CopyButton } from '@/components/ui/copy-button';
import { FormMessage, TextField } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Connection = {
  issuer: string;
  clientId: string;
  enabled: boolean;
  enforced: boolean;
  autoProvisionRole: string | null;
};

const roleOptions = [
  { value: 'member', label: 'Create an account as a member' },
  { value: 'viewer', label: 'Create an account as a viewer' },
  { value: 'billing', label: 'Create an account as billing' },
  { value: 'admin', label: 'Create an account as an admin' },
] as const;

/**
 * The tenant's OpenID Connect connection. The client secret is write-only: the page never gets
 * it, and a blank field keeps the saved one.
 */
export function SsoConnectionForm({
  action,
  removeAction,
  connection,
  redirectUri,
}: {
  action: (
    state: ActionState<{ saved: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ saved: boolean }>>;
  removeAction: (
    state: ActionState<{ removed: boolean }>,
    formData: FormData,
  ) => Promise<ActionState<{ removed: boolean }>>;
  connection: Connection | null;
  redirectUri: string;
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  const [removed, removeFormAction] = useActionState(removeAction, null);
  const checked = (name: 'enabled' | 'enforced', saved: boolean) =>
    values ? values[name] === 'on' : saved;
  return (
    <div className="max-w-md space-y-4">
      <div>
        <label htmlFor="sso-redirect-uri" className="block text-sm font-medium text-slate-700">
          Redirect URI
        </label>
        <div className="mt-1 flex gap-2">
          <input
            id="sso-redirect-uri"
            readOnly
            value={redirectUri}
            className="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs"
          />
          <CopyButton value={redirectUri} targetId="sso-redirect-uri" label="Copy" />
        </div>
        <p className="mt-1 text-xs text-slate-500">
          Register it at your identity provider as the redirect (callback) URI of a web application.
        </p>
      </div>
      <form action={formAction} className="space-y-4" noValidate>
        <FormMessage result={state} />
        {state?.ok ? (
          <p
            role="status"
            className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
          >
            Single sign-on saved.
          </p>
        ) : null}
        <TextField
          label="Issuer URL"
          name="issuer"
          type="url"
          required
          defaultValue={values?.issuer ?? connection?.issuer ?? ''}
          hint="For example https://login.example.com. Its discovery document is checked when you save."
          errors={errors?.issuer}
        />
        <TextField
          label="Client ID"
          name="clientId"
          required
          autoComplete="off"
          defaultValue={values?.clientId ?? connection?.clientId ?? ''}
          errors={errors?.clientId}
        />
        <TextField
          label="Client secret"
          name="clientSecret"
          type="password"
          autoComplete="off"
          hint={
            connection
              ? 'A secret is saved. Leave this blank to keep it, or enter a new one to replace it.'
              : 'The secret your identity provider gave for this application.'
          }
          errors={errors?.clientSecret}
        />
        <CheckboxField
          name="enabled"
          label="Members may sign in with SSO"
          defaultChecked={checked('enabled', connection?.enabled ?? true)}
          errors={errors?.enabled}
        />
        <CheckboxField
          name="enforced"
          label="Members must sign in with SSO (owners keep their password as a fallback)"
          defaultChecked={checked('enforced', connection?.enforced ?? false)}
          errors={errors?.enforced}
        />
        <SelectField
          label="People without an account here"
          name="autoProvisionRole"
          options={roleOptions}
          placeholder="Refuse them (invite people first)"
          defaultValue={values?.autoProvisionRole ?? connection?.autoProvisionRole ?? ''}
          hint="People are matched to members by their verified e-mail address."
          errors={errors?.autoProvisionRole}
        />
        <SubmitButton pendingLabel="Checking the issuer…">Save single sign-on</SubmitButton>
      </form>
      {connection ? (
        <form action={removeFormAction} className="border-t border-slate-200 pt-4">
          <FormMessage result={removed} />
          <SubmitButton pendingLabel="Removing…" variant="danger">
            Remove single sign-on
          </SubmitButton>
        </form>
      ) : null}
    </div>
  );
}
