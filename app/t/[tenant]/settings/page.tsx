import { requireMember } from '@/lib/actions';
import { isFeatureEnabled } from '@/lib/plans';
import { Forbidden } from '../_components/forbidden';
import { updateSettingsAction } from './actions';
import { SettingsForm } from './_components/settings-form';

export const metadata = { title: 'Settings' };

export default async function SettingsPage() {
  const { tenant, allowed } = await requireMember('settings:manage');
  if (!allowed) return <Forbidden />;
  const customBranding = isFeatureEnabled(tenant, 'custom_branding');
  return (
    <section aria-labelledby="settings-heading" className="space-y-6">
      <div>
        <h1 id="settings-heading" className="text-2xl font-semibold">
          Workspace settings
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          {customBranding
            ? `Name and branding shown on every page of ${tenant.slug}’s portal.`
            : `The name shown on every page of ${tenant.slug}’s portal.`}
        </p>
      </div>
      <SettingsForm
        action={updateSettingsAction}
        customBranding={customBranding}
        values={{
          name: tenant.name,
          logoUrl: tenant.branding.logoUrl,
          primaryColor: tenant.branding.primaryColor,
        }}
      />
    </section>
  );
}
