import { EnrolmentForm } from '@/components/mfa/enrolment-form';
import { requirePendingSignIn } from '@/lib/actions';
import { describeEnrolment, getMfaStatus } from '@/lib/mfa';
import { withTenant } from '@/lib/tenancy';
import { CancelSignInButton } from '../_components/cancel-sign-in-button';
import { cancelSignInAction } from '../verify/actions';
import { confirmSignInEnrolmentAction, startSignInEnrolmentAction } from './actions';
import { StartSignInEnrolmentButton } from './_components/start-button';

export const metadata = { title: 'Set up two-factor sign-in' };

/** The second step of sign-in when the tenant requires a factor and the member has none yet. */
export default async function EnrolSignInPage() {
  const { tenant, pending } = await requirePendingSignIn('mfa_enrolment');
  const status = await withTenant(tenant.id, (tx) =>
    getMfaStatus(tx, { tenantId: tenant.id, membershipId: pending.membershipId }),
  );
  const enrolment = status.pendingSecret
    ? await describeEnrolment({
        secret: status.pendingSecret,
        issuer: tenant.name,
        account: pending.email,
      })
    : null;
  return (
    <section
      aria-labelledby="enrol-heading"
      className="mx-auto max-w-xl space-y-6 rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
    >
      <div>
        <h1 id="enrol-heading" className="text-xl font-semibold">
          Set up two-factor sign-in
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          {tenant.name} requires every member to sign in with a code from an authenticator app as
          well as a password. Set one up for {pending.email} to finish signing in.
        </p>
      </div>
      {status.enabled ? (
        <p role="alert" className="text-sm text-slate-700">
          Two-factor sign-in was set up for your account meanwhile. Sign in again to use it.
        </p>
      ) : enrolment ? (
        <EnrolmentForm
          enrolment={enrolment}
          action={confirmSignInEnrolmentAction}
          doneHref="/documents"
          doneLabel="Continue"
        >
          <StartSignInEnrolmentButton
            action={startSignInEnrolmentAction}
            label="Start over with a new key"
          />
        </EnrolmentForm>
      ) : (
        <StartSignInEnrolmentButton action={startSignInEnrolmentAction} label="Set up an app" />
      )}
      <CancelSignInButton action={cancelSignInAction} />
    </section>
  );
}
