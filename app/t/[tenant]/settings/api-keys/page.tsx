import { requireMember } from '@/lib/actions';
import { apiScopes, listApiKeys, type ApiScope } from '@/lib/api-keys';
import { isFeatureEnabled } from '@/lib/plans';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { createApiKeyAction, revokeApiKeyAction } from './actions';
import { CreateKeyForm } from './_components/create-key-form';
import { KeyTable } from './_components/key-table';

export const metadata = { title: 'API keys' };

const scopeDescriptions: Record<ApiScope, string> = {
  'documents:read': 'List documents and read their contents.',
  'documents:write': 'Create documents and edit their title and body.',
  'documents:delete': 'Delete documents for good.',
  'usage:read': 'Read the workspace’s usage figures.',
  'usage:write': 'Report usage events (metering) for the workspace.',
};

export default async function ApiKeysPage() {
  const { tenant, allowed } = await requireMember('api_keys:manage');
  if (!allowed) return <Forbidden />;

  const heading = (
    <h1 id="api-keys-heading" className="text-2xl font-semibold">
      API keys
    </h1>
  );
  if (!isFeatureEnabled(tenant, 'api_access')) {
    return (
      <section aria-labelledby="api-keys-heading" className="space-y-4">
        {heading}
        <div className="rounded-lg border border-slate-200 bg-slate-50 p-6">
          <p className="font-medium">The API is not part of your plan.</p>
          <p className="mt-1 text-sm text-slate-600">
            Programs can reach {tenant.name}’s data over the REST API on plans that include it. Ask
            an owner to upgrade the plan to create API keys.
          </p>
        </div>
      </section>
    );
  }

  const keys = await withTenant(tenant.id, (tx) => listApiKeys(tx, { tenantId: tenant.id }));
  return (
    <section aria-labelledby="api-keys-heading" className="space-y-8">
      <div>
        {heading}
        <p className="mt-1 text-sm text-slate-600">
          Keys let programs call {tenant.slug}’s REST API at{' '}
          <code className="font-mono">/api/v1</code> with{' '}
          <code className="font-mono">Authorization: Bearer &lt;key&gt;</code>. Give each program
          its own key with only the scopes it needs.
        </p>
      </div>
      <KeyTable keys={keys} revokeAction={revokeApiKeyAction} />
      <CreateKeyForm
        action={createApiKeyAction}
        scopes={apiScopes.map((scope) => ({ value: scope, description: scopeDescriptions[scope] }))}
        minExpiry={new Date().toISOString().slice(0, 10)}
      />
    </section>
  );
}
