'use client';

import { useEffect, useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';
import type { RoleDTO } from '@/lib/roles';

type PermissionOption = { name: string; description: string; grantable: boolean };

/** Name, description and permissions of a new role; only what the viewer holds can be ticked. */
export function NewRoleForm({
  action,
  permissions,
}: {
  action: (state: ActionState<RoleDTO>, formData: FormData) => Promise<ActionState<RoleDTO>>;
  permissions: PermissionOption[];
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  // Controlled, so a refused submission (say, a name in use) keeps the ticks React would reset.
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (state?.ok) setTicked(new Set());
  }, [state]);
  const toggle = (name: string, on: boolean) =>
    setTicked((current) => {
      const next = new Set(current);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  return (
    <form
      action={formAction}
      aria-labelledby="new-role-heading"
      className="space-y-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      noValidate
    >
      <h2 id="new-role-heading" className="text-lg font-semibold">
        New role
      </h2>
      <FormMessage result={state} />
      {state?.ok ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          Role “{state.data.name}” created. Give it to members on the Members page.
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Name"
          name="name"
          required
          maxLength={60}
          defaultValue={values?.name ?? ''}
          errors={errors?.name}
        />
        <TextField
          label="Description (optional)"
          name="description"
          maxLength={200}
          defaultValue={values?.description ?? ''}
          errors={errors?.description}
        />
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Permissions</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {permissions.map((permission) => {
            const id = `new-role-${permission.name}`;
            return (
              <div key={permission.name} className="flex items-start gap-2">
                <input
                  type="checkbox"
                  id={id}
                  name="permissions"
                  value={permission.name}
                  disabled={!permission.grantable}
                  checked={ticked.has(permission.name)}
                  onChange={(event) => toggle(permission.name, event.target.checked)}
                  className="accent-brand mt-0.5 h-4 w-4 rounded border-slate-300"
                />
                <label htmlFor={id} className="text-sm text-slate-700">
                  {permission.description} <code className="text-xs">{permission.name}</code>
                  {permission.grantable ? null : (
                    <span className="text-slate-500"> (you do not hold it)</span>
                  )}
                </label>
              </div>
            );
          })}
        </div>
        {errors?.permissions ? (
          <p role="alert" className="mt-1 text-sm text-red-600">
            {errors.permissions.join(' ')}
          </p>
        ) : null}
      </fieldset>
      <SubmitButton pendingLabel="Creating…">Create role</SubmitButton>
    </form>
  );
}
