'use client';

import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { FormMessage, TextField } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';
import { RecoveryCodes } from './recovery-codes';

export type Enrolled = { recoveryCodes: string[] };

/**
 * Adding an authenticator app: scan the QR code (or type the key), then prove it with a first
 * code. Once confirmed, the recovery codes are shown here, once, followed by a link onwards.
 */
export function EnrolmentForm({
  enrolment,
  action,
  doneHref,
  doneLabel,
  children,
}: {
  enrolment: { secret: string; qrCodeDataUrl: string };
  action: (state: ActionState<Enrolled>, formData: FormData) => Promise<ActionState<Enrolled>>;
  doneHref: string;
  doneLabel: string;
  /** Shown below the form until the factor is confirmed (e.g. a way to start over). */
  children?: ReactNode;
}) {
  const { state, formAction, errors } = useActionForm(action);
  const router = useRouter();
  if (state?.ok) {
    return (
      <div className="space-y-4">
        <p role="status" className="text-sm text-emerald-700">
          Two-factor sign-in is on. From now on, signing in asks for a code from your app.
        </p>
        <RecoveryCodes codes={state.data.recoveryCodes}>
          <Button
            onClick={() => {
              // Fresh from the server, even when `doneHref` is this very page.
              router.push(doneHref);
              router.refresh();
            }}
          >
            {doneLabel}
          </Button>
        </RecoveryCodes>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <ol className="list-decimal space-y-4 pl-5 text-sm text-slate-700">
        <li className="space-y-2">
          <p>
            Scan this QR code with an authenticator app (such as 1Password, Google Authenticator or
            Authy).
          </p>
          {/* eslint-disable-next-line @next/next/no-img-element -- next/image cannot optimise a data: URL, and the QR code (it holds the TOTP secret) must stay inline, never a fetchable, cacheable image URL */}
          <img
            src={enrolment.qrCodeDataUrl}
            alt="QR code to add this account to an authenticator app"
            width={192}
            height={192}
            className="rounded border border-slate-200 bg-white"
          />
        </li>
        <li className="space-y-2">
          <p>Or, if you cannot scan it, enter this key in the app:</p>
          <div className="max-w-md">
            <label htmlFor="mfa-setup-key" className="block text-sm font-medium text-slate-700">
              Setup key
            </label>
            <input
              id="mfa-setup-key"
              readOnly
              value={enrolment.secret}
              spellCheck={false}
              onFocus={(event) => event.currentTarget.select()}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm"
            />
          </div>
          <CopyButton value={enrolment.secret} targetId="mfa-setup-key" label="Copy key" />
        </li>
        <li>
          <form action={formAction} className="max-w-xs space-y-3" noValidate>
            <FormMessage result={state} />
            <TextField
              label="Code from the app"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              required
              hint="The 6-digit code the app shows now."
              errors={errors?.code}
            />
            <SubmitButton pendingLabel="Checking…">Turn on two-factor sign-in</SubmitButton>
          </form>
        </li>
      </ol>
      {children}
    </div>
  );
}
