import { requirePendingSignIn } from '@/lib/actions';
import { CancelSignInButton } from '../_components/cancel-sign-in-button';
import { cancelSignInAction, verifyCodeAction } from './actions';
import { VerifyCodeForm } from './_components/verify-form';

export const metadata = { title: 'Two-factor sign-in' };

/** The second step of sign-in for a member with an authenticator app. */
export default async function VerifySignInPage() {
  const { tenant, pending } = await requirePendingSignIn('mfa');
  return (
    <section
      aria-labelledby="verify-heading"
      className="mx-auto max-w-sm space-y-6 rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
    >
      <div>
        <h1 id="verify-heading" className="text-xl font-semibold">
          Enter your sign-in code
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Signing in to {tenant.name} as {pending.email} needs a code from your authenticator app.
        </p>
      </div>
      <VerifyCodeForm action={verifyCodeAction} />
      <CancelSignInButton action={cancelSignInAction} />
    </section>
  );
}
