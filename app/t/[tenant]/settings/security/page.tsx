import { requireMember } from '@/lib/actions';
import { ssoSettings } from '@/lib/sso';
import { Forbidden } from '../../_components/forbidden';
import {
  removeSsoConnectionAction,
  saveSsoConnectionAction,
  updateAccountPolicyAction,
  updateMfaPolicyAction,
  updateSessionPolicyAction,
} from './actions';
import { AccountPolicyForm } from './_components/account-policy-form';
import { MfaPolicyForm } from './_components/mfa-policy-form';
import { SessionPolicyForm } from './_components/session-policy-form';
import { SsoConnectionForm } from './_components/sso-connection-form';

export const metadata = { title: 'Security' };

export default async function SecuritySettingsPage() {
  const { tenant, allowed } = await requireMember('security:manage');
  if (!allowed) return <Forbidden />;
  const sso = await ssoSettings(tenant);
  return (
    <section aria-labelledby="security-heading" className="space-y-6">
      <div>
        <h1 id="security-heading" className="text-2xl font-semibold">
          Security
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          How long {tenant.name}’s members stay signed in. Shortening either limit signs out the
          sessions that are already past it.
        </p>
      </div>
      <SessionPolicyForm action={updateSessionPolicyAction} values={tenant.sessionPolicy} />
      <div className="border-t border-slate-200 pt-6">
        <h2 className="text-lg font-semibold">New members</h2>
        <p className="mt-1 mb-4 text-sm text-slate-600">
          Rules for people who join by invitation: their password, and the e-mail domains that may
          be invited.
        </p>
        <AccountPolicyForm action={updateAccountPolicyAction} values={tenant.accountPolicy} />
      </div>
      <div className="border-t border-slate-200 pt-6">
        <h2 className="text-lg font-semibold">Two-factor sign-in</h2>
        <p className="mt-1 mb-4 text-sm text-slate-600">
          When required, members without an authenticator app set one up at their next sign-in, and
          nobody can turn theirs off. Sessions already open are not ended.
        </p>
        <MfaPolicyForm action={updateMfaPolicyAction} values={tenant.mfaPolicy} />
      </div>
      <div className="border-t border-slate-200 pt-6">
        <h2 className="text-lg font-semibold">Single sign-on</h2>
        <p className="mt-1 mb-4 text-sm text-slate-600">
          Let members sign in through your identity provider (OpenID Connect). When it is required,
          password sign-in is refused to everyone but owners, who keep it for when the provider is
          unavailable.
        </p>
        <SsoConnectionForm
          action={saveSsoConnectionAction}
          removeAction={removeSsoConnectionAction}
          connection={sso.connection}
          redirectUri={sso.redirectUri}
        />
      </div>
    </section>
  );
}
