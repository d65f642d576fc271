import type { ActionState } from '@/lib/actions';
import type { ApiKeyDTO, ApiKeyStatus } from '@/lib/api-keys';
import { cn } from '@/components/ui/cn';
import { RevokeKeyButton } from './revoke-key-button';

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

const statusStyles: Record<ApiKeyStatus, string> = {
  active: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  expired: 'bg-amber-50 text-amber-800 ring-amber-200',
  revoked: 'bg-slate-100 text-slate-600 ring-slate-200',
};
const statusLabels: Record<ApiKeyStatus, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

function When({
  date,
  format = dateTimeFormat,
  empty,
}: {
  date: Date | null;
  format?: Intl.DateTimeFormat;
  empty: string;
}) {
  return date ? (
    <time dateTime={date.toISOString()}>{format.format(date)}</time>
  ) : (
    <span className="text-slate-500">{empty}</span>
  );
}

export function KeyTable({
  keys,
  revokeAction,
}: {
  keys: ApiKeyDTO[];
  revokeAction: (state: ActionState, formData: FormData) => Promise<ActionState>;
}) {
  if (keys.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-slate-600">
        <p className="font-medium">No API keys yet.</p>
        <p className="mt-1 text-sm">
          Create one below for each program that calls the API, so each can be revoked on its own.
        </p>
      </div>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full overflow-hidden rounded-lg bg-white text-left text-sm shadow-sm ring-1 ring-slate-200">
        <caption className="sr-only">API keys</caption>
        <thead className="bg-slate-100 text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Name
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Key
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Scopes
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Created (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Last used (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Expires (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Status
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} className="border-t border-slate-100 align-top">
              <th scope="row" className="px-3 py-2 font-medium">
                {key.name}
              </th>
              <td
                className="px-3 py-2 font-mono whitespace-nowrap"
                title="The start of the key, to recognise it"
              >
                {key.prefix}…
              </td>
              <td className="px-3 py-2">
                <ul className="space-y-0.5 font-mono text-xs">
                  {key.scopes.map((scope) => (
                    <li key={scope}>{scope}</li>
                  ))}
                </ul>
              </td>
              <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                <When date={key.createdAt} format={dateFormat} empty="" />
              </td>
              <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                <When date={key.lastUsedAt} empty="never" />
              </td>
              <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                <When date={key.expiresAt} empty="never" />
              </td>
              <td className="px-3 py-2">
                <span
                  className={cn(
                    'inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1',
                    statusStyles[key.status],
                  )}
                >
                  {statusLabels[key.status]}
                </span>
              </td>
              <td className="px-3 py-2 text-right">
                <RevokeKeyButton
                  action={revokeAction}
                  id={key.id}
                  name={key.name}
                  active={key.status === 'active'}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
