import Link from 'next/link';
import { signOutOperatorAction } from '../../actions';

export function ConsoleHeader({ operator }: { operator: { name: string; email: string } }) {
  return (
    <header className="border-brand border-b-4 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-4 px-6 py-4">
        <Link href="/admin" className="flex items-center gap-3">
          <span
            aria-hidden
            className="bg-brand flex h-8 w-8 items-center justify-center rounded font-bold text-white"
          >
            T
          </span>
          <span className="text-lg font-semibold">
            Tenantry <span className="font-normal text-slate-500">operator console</span>
          </span>
        </Link>
        <nav aria-label="Console" className="flex items-center gap-4 text-sm">
          <Link href="/admin" className="hover:underline">
            Tenants
          </Link>
          <Link href="/admin/usage" className="hover:underline">
            Usage
          </Link>
          <Link href="/admin/costs" className="hover:underline">
            Costs
          </Link>
          <span className="text-slate-500" title={operator.email}>
            {operator.name}
          </span>
          <form action={signOutOperatorAction}>
            <button
              type="submit"
              className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50"
            >
              Sign out
            </button>
          </form>
        </nav>
      </div>
    </header>
  );
}
