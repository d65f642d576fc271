'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type Props = {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  /** Without the custom_branding feature the form offers the name only. */
  customBranding: boolean;
  values: { name: string; logoUrl?: string; primaryColor: string };
};

export function SettingsForm({ action, customBranding, values }: Props) {
  const { state, formAction, errors, values: submitted } = useActionForm(action);
  return (
    <form action={formAction} className="max-w-lg space-y-4" noValidate>
      <FormMessage result={state} />
      {state?.ok ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          Settings saved.
        </p>
      ) : null}
      <TextField
        label="Workspace name"
        name="name"
        required
        defaultValue={submitted?.name ?? values.name}
        errors={errors?.name}
      />
      {customBranding ? (
        <>
          <TextField
            label="Logo URL"
            name="logoUrl"
            type="url"
            placeholder="https://example.com/logo.png"
            hint="An http(s) address of a square image. Leave empty for the initial."
            defaultValue={submitted?.logoUrl ?? values.logoUrl ?? ''}
            errors={errors?.logoUrl}
          />
          <div>
            <label htmlFor="primaryColor" className="block text-sm font-medium text-slate-700">
              Primary colour
            </label>
            <input
              id="primaryColor"
              name="primaryColor"
              type="color"
              defaultValue={submitted?.primaryColor ?? values.primaryColor}
              aria-invalid={errors?.primaryColor ? true : undefined}
              aria-describedby={errors?.primaryColor ? 'primaryColor-error' : undefined}
              className="mt-1 h-10 w-20 cursor-pointer rounded border border-slate-300"
            />
            {errors?.primaryColor ? (
              <p id="primaryColor-error" role="alert" className="mt-1 text-sm text-red-600">
                {errors.primaryColor.join(' ')}
              </p>
            ) : null}
          </div>
        </>
      ) : (
        <p className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-600">
          A custom logo and colour are not part of this workspace’s plan.
        </p>
      )}
      <SubmitButton pendingLabel="Saving…">Save settings</SubmitButton>
    </form>
  );
}
