import Link from 'next/link';
import { signOutAction } from '../actions';

type Props = {
  tenant: { name: string; logoUrl?: string };
  viewer: {
    name: string;
    email: string;
    canManageSettings: boolean;
    canSeeMembers: boolean;
  } | null;
};

export function PortalHeader({ tenant, viewer }: Props) {
  return (
    <header className="border-brand border-b-4 bg-white">
      <div className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-6 py-4">
        <Link href={viewer ? '/documents' : '/sign-in'} className="flex items-center gap-3">
          {tenant.logoUrl ? (
            // eslint-disable-next-line @next/next/no-img-element -- tenant logos live on arbitrary hosts
            <img src={tenant.logoUrl} alt="" className="h-8 w-8 rounded object-contain" />
          ) : (
            <span
              aria-hidden
              className="bg-brand flex h-8 w-8 items-center justify-center rounded font-bold text-white"
            >
              {tenant.name.slice(0, 1).toUpperCase()}
            </span>
          )}
          <span className="text-lg font-semibold" data-testid="tenant-name">
            {tenant.name}
          </span>
        </Link>
        {viewer ? (
          <nav aria-label="Main" className="flex items-center gap-4 text-sm">
            <Link href="/documents" className="hover:underline">
              Documents
            </Link>
            {viewer.canSeeMembers ? (
              <Link href="/settings/members" className="hover:underline">
                Members
              </Link>
            ) : null}
            {viewer.canManageSettings ? (
              <Link href="/settings" className="hover:underline">
                Settings
              </Link>
            ) : null}
            <span className="text-slate-500" title={viewer.email}>
              {viewer.name}
            </span>
            <form action={signOutAction}>
              <button
                type="submit"
                className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50"
              >
                Sign out
              </button>
            </form>
          </nav>
        ) : null}
      </div>
    </header>
  );
}
