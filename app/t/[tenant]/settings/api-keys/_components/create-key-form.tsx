'use client';

import { useEffect, useRef, useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';
import type { CreatedApiKey } from '@/lib/api-keys';

export type ScopeOption = { value: string; description: string };

type Props = {
  action: (
    state: ActionState<CreatedApiKey>,
    formData: FormData,
  ) => Promise<ActionState<CreatedApiKey>>;
  scopes: ScopeOption[];
  /** Today (UTC) as YYYY-MM-DD: the earliest expiry date, computed on the server. */
  minExpiry: string;
};

export function CreateKeyForm({ action, scopes, minExpiry }: Props) {
  const { state, formAction, errors, values } = useActionForm(action);
  // The form resets after every submission; checkboxes come back from what was sent, since the
  // echoed values keep only one entry per field name.
  const [sentScopes, setSentScopes] = useState<string[]>([]);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const created = state?.ok && state.data.id !== dismissed ? state.data : null;
  const failed = state !== null && !state.ok;
  const scopeErrors = Object.entries(errors ?? {})
    .filter(([field]) => field === 'scopes' || field.startsWith('scopes.'))
    .flatMap(([, messages]) => messages);

  const headingRef = useRef<HTMLHeadingElement>(null);
  const createdId = created?.id;
  useEffect(() => {
    if (createdId) headingRef.current?.focus();
  }, [createdId]);

  return (
    <div className="space-y-6">
      {created ? (
        <section
          aria-labelledby="new-key-heading"
          className="space-y-3 rounded-lg border-2 border-amber-400 bg-amber-50 p-4"
          data-testid="new-api-key"
        >
          <h2
            id="new-key-heading"
            ref={headingRef}
            tabIndex={-1}
            className="text-lg font-semibold text-amber-950"
          >
            Your new API key
          </h2>
          <p className="text-sm text-amber-950">
            <strong>Copy it now: it will not be shown again.</strong> Only a fingerprint of it is
            stored, so nobody — not even an admin — can look it up later. If you lose it, revoke it
            and create another.
          </p>
          <div>
            <label htmlFor="new-api-key" className="block text-sm font-medium text-amber-950">
              API key
            </label>
            <input
              id="new-api-key"
              readOnly
              value={created.key}
              spellCheck={false}
              onFocus={(event) => event.currentTarget.select()}
              className="mt-1 block w-full rounded-md border border-amber-300 bg-white px-3 py-2 font-mono text-sm"
            />
          </div>
          <div className="flex flex-wrap items-center justify-between gap-3">
            <CopyButton value={created.key} targetId="new-api-key" label="Copy key" />
            <Button variant="secondary" onClick={() => setDismissed(created.id)}>
              I have saved it
            </Button>
          </div>
        </section>
      ) : null}

      <form
        action={formAction}
        onSubmit={(event) =>
          setSentScopes(new FormData(event.currentTarget).getAll('scopes').map(String))
        }
        className="max-w-lg space-y-4"
        aria-labelledby="create-key-heading"
        noValidate
      >
        <h2 id="create-key-heading" className="text-lg font-semibold">
          Create a key
        </h2>
        <FormMessage result={state} />
        <TextField
          label="Name"
          name="name"
          required
          maxLength={100}
          hint="What will use the key, e.g. “Billing sync”."
          defaultValue={values?.name ?? ''}
          errors={errors?.name}
        />
        <fieldset aria-describedby={scopeErrors.length ? 'scopes-error' : undefined}>
          <legend className="text-sm font-medium text-slate-700">Scopes</legend>
          <p className="text-xs text-slate-500">A key can do only what its scopes allow.</p>
          <ul className="mt-2 space-y-2">
            {scopes.map((scope) => {
              const id = `scope-${scope.value.replace(/[^a-z0-9]/gi, '-')}`;
              return (
                <li key={scope.value} className="flex items-start gap-2">
                  <input
                    type="checkbox"
                    id={id}
                    name="scopes"
                    value={scope.value}
                    defaultChecked={failed && sentScopes.includes(scope.value)}
                    aria-describedby={`${id}-description`}
                    className="mt-1"
                  />
                  <div>
                    <label htmlFor={id} className="font-mono text-sm">
                      {scope.value}
                    </label>
                    <p id={`${id}-description`} className="text-xs text-slate-500">
                      {scope.description}
                    </p>
                  </div>
                </li>
              );
            })}
          </ul>
          {scopeErrors.length ? (
            <p id="scopes-error" role="alert" className="mt-1 text-sm text-red-600">
              {scopeErrors.join(' ')}
            </p>
          ) : null}
        </fieldset>
        <TextField
          label="Expires on (optional)"
          name="expiresAt"
          type="date"
          min={minExpiry}
          hint="The key stops working at the end of that day (UTC). Leave empty for a key that does not expire."
          defaultValue={values?.expiresAt ?? ''}
          errors={errors?.expiresAt}
        />
        <SubmitButton pendingLabel="Creating…">Create key</SubmitButton>
      </form>
    </div>
  );
}
