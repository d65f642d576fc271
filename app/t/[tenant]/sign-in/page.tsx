import { redirect } from 'next/navigation';
import { getCurrentPendingSignIn, getCurrentTenant, getCurrentViewer } from '@/lib/actions';
import { pendingSignInPath } from '@/lib/auth';
import { ssoFailureMessages, ssoFailureReasons, ssoSignInOptions } from '@/lib/sso';
import { signInAction, ssoSignInAction } from './actions';
import { SignInForm } from '@/components/forms/sign-in-form';
import { SsoSignInButton } from './_components/sso-sign-in-button';

export const metadata = { title: 'Sign in' };

/** Why single sign-on sent the person back here: lib/sso's reason, or Auth.js's `error`. */
function ssoFailure(params: Record<string, string | string[] | undefined>): string | null {
  const reason = ssoFailureReasons.find((known) => known === params.sso_error);
  if (reason) return ssoFailureMessages[reason];
  return params.sso_error || params.error ? ssoFailureMessages.failed : null;
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (await getCurrentViewer()) redirect('/documents');
  // Half signed in (a page sent here, or an invitation just accepted): finish the second step.
  const pending = await getCurrentPendingSignIn();
  if (pending) redirect(pendingSignInPath(pending.step));
  const tenant = await getCurrentTenant();
  const sso = tenant ? await ssoSignInOptions(tenant.id) : { available: false, enforced: false };
  const failure = ssoFailure(await searchParams);
  return (
    <section
      aria-labelledby="sign-in-heading"
      className="mx-auto max-w-sm rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
    >
      <h1 id="sign-in-heading" className="mb-6 text-xl font-semibold">
        Sign in to {tenant?.name}
      </h1>
      {failure ? (
        <p
          role="alert"
          className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700"
        >
          {failure}
        </p>
      ) : null}
      {sso.available ? (
        <div className="mb-6 space-y-3">
          <SsoSignInButton action={ssoSignInAction} />
          {sso.enforced ? (
            <p className="text-sm text-slate-600">
              {tenant?.name} signs in with single sign-on. Owners may use their password if it is
              unavailable.
            </p>
          ) : null}
        </div>
      ) : null}
      {sso.enforced ? (
        <details className="border-t border-slate-200 pt-4">
          <summary className="cursor-pointer text-sm text-slate-700">
            Owners: sign in with a password
          </summary>
          <div className="mt-4">
            <SignInForm action={signInAction} />
          </div>
        </details>
      ) : (
        <>
          {sso.available ? (
            <p className="mb-4 border-t border-slate-200 pt-4 text-sm text-slate-600">
              Or with your e-mail and password:
            </p>
          ) : null}
          <SignInForm action={signInAction} />
        </>
      )}
    </section>
  );
}
