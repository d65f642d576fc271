'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';

type SignUpData = { slug: string; portalUrl: string };

export function SignUpForm({
  action,
  rootDomain,
}: {
  action: (state: ActionState<SignUpData>, formData: FormData) => Promise<ActionState<SignUpData>>;
  rootDomain: string;
}) {
  const { state, formAction, errors, values } = useActionForm(action);
  if (state?.ok) {
    return (
      <div
        role="status"
        className="space-y-3 rounded-lg border border-emerald-200 bg-emerald-50 p-6"
      >
        <h2 className="text-lg font-semibold text-emerald-900">Your workspace is ready</h2>
        <p className="text-sm text-emerald-900">
          Sign in at your own address with the e-mail and password you chose:
        </p>
        <a className="font-medium text-emerald-800 underline" href={state.data.portalUrl}>
          {state.data.portalUrl}
        </a>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage result={state} />
      <TextField
        label="Organisation name"
        name="name"
        autoComplete="organization"
        required
        defaultValue={values?.name}
        errors={errors?.name}
      />
      <TextField
        label="Workspace address"
        name="slug"
        required
        defaultValue={values?.slug}
        pattern="[a-z0-9-]{3,63}"
        hint={`Lowercase letters, digits and hyphens: your portal will be at <address>.${rootDomain}`}
        errors={errors?.slug}
      />
      <TextField
        label="Your e-mail"
        name="ownerEmail"
        type="email"
        autoComplete="email"
        required
        defaultValue={values?.ownerEmail}
        errors={errors?.ownerEmail}
      />
      <TextField
        label="Password"
        name="ownerPassword"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        hint="At least 10 characters."
        errors={errors?.ownerPassword}
      />
      <SubmitButton pendingLabel="Creating your workspace…">Create workspace</SubmitButton>
    </form>
  );
}
