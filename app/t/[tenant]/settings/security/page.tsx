import { requireMember } from '@/lib/actions';
import { Forbidden } from '../../_components/forbidden';
import { updateAccountPolicyAction, updateSessionPolicyAction } from './actions';
import { AccountPolicyForm } from './_components/account-policy-form';
import { SessionPolicyForm } from './_components/session-policy-form';

export const metadata = { title: 'Security' };

export default async function SecuritySettingsPage() {
  const { tenant, allowed } = await requireMember('security:manage');
  if (!allowed) return <Forbidden />;
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
    </section>
  );
}
