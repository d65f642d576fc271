import { EnrolmentForm } from '@/components/mfa/enrolment-form';
import { requireMember } from '@/lib/actions';
import { describeEnrolment, getMfaStatus } from '@/lib/mfa';
import { withTenant } from '@/lib/tenancy';
import {
  confirmEnrolmentAction,
  regenerateRecoveryCodesAction,
  removeFactorAction,
  startEnrolmentAction,
} from './actions';
import {
  RegenerateCodesButton,
  RemoveFactorButton,
  StartEnrolmentButton,
} from './_components/mfa-buttons';

export const metadata = { title: 'Two-factor sign-in' };

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

export default async function MfaSettingsPage() {
  const { tenant, viewer } = await requireMember('self');
  const status = await withTenant(tenant.id, (tx) =>
    getMfaStatus(tx, { tenantId: tenant.id, membershipId: viewer.membershipId }),
  );
  const enrolment = status.pendingSecret
    ? await describeEnrolment({
        secret: status.pendingSecret,
        issuer: tenant.name,
        account: viewer.email,
      })
    : null;
  return (
    <section aria-labelledby="mfa-heading" className="space-y-6">
      <div>
        <h1 id="mfa-heading" className="text-2xl font-semibold">
          Two-factor sign-in
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          With two-factor sign-in, signing in to {tenant.name} asks for a code from an authenticator
          app on your phone as well as your password.
          {status.required ? ` ${tenant.name} requires it for every member.` : ''}
        </p>
      </div>
      {status.enabled ? (
        <>
          <p role="status" className="text-sm text-slate-700">
            <strong>On</strong>
            {status.enabledAt ? ` since ${dateFormat.format(status.enabledAt)} (UTC)` : ''}.{' '}
            {status.recoveryCodesLeft === 1
              ? 'One recovery code left.'
              : `${status.recoveryCodesLeft} recovery codes left.`}
          </p>
          <div className="border-t border-slate-200 pt-6">
            <h2 className="text-lg font-semibold">Recovery codes</h2>
            <p className="mt-1 mb-4 text-sm text-slate-600">
              Each recovery code signs you in once without the app. New codes replace all the
              earlier ones.
            </p>
            <RegenerateCodesButton action={regenerateRecoveryCodesAction} />
          </div>
          <div className="border-t border-slate-200 pt-6">
            <h2 className="text-lg font-semibold">Turn off</h2>
            {status.required ? (
              <p className="mt-1 text-sm text-slate-600">
                {tenant.name} requires two-factor sign-in, so it cannot be turned off.
              </p>
            ) : (
              <>
                <p className="mt-1 mb-4 text-sm text-slate-600">
                  Removes the app and the recovery codes; signing in will ask for your password
                  only.
                </p>
                <RemoveFactorButton action={removeFactorAction} />
              </>
            )}
          </div>
        </>
      ) : enrolment ? (
        <EnrolmentForm
          enrolment={enrolment}
          action={confirmEnrolmentAction}
          doneHref="/settings/mfa"
          doneLabel="I have saved them"
        >
          <StartEnrolmentButton action={startEnrolmentAction} label="Start over with a new key" />
        </EnrolmentForm>
      ) : (
        <StartEnrolmentButton action={startEnrolmentAction} label="Set up two-factor sign-in" />
      )}
    </section>
  );
}
