import Link from 'next/link';
import { env } from '@/lib/env';
import { signUpAction } from './actions';
import { SignUpForm } from './_components/sign-up-form';

export const dynamic = 'force-dynamic';

export default function LandingPage() {
  const { ROOT_DOMAIN } = env();
  return (
    <>
      <main className="mx-auto grid max-w-5xl gap-12 px-6 py-16 md:grid-cols-2">
        <section className="space-y-6">
          <p className="text-sm font-semibold tracking-wide text-indigo-600 uppercase">Tenantry</p>
          <h1 className="text-4xl font-bold tracking-tight">
            Your own workspace, isolated by design.
          </h1>
          <p className="text-lg text-slate-600">
            Every organisation gets a branded portal on its own address. Its data is kept apart from
            every other tenant’s by the database itself, with row-level security on every table.
          </p>
          <ul className="list-disc space-y-1 pl-5 text-slate-600">
            <li>
              A portal at <code>&lt;your-name&gt;.{ROOT_DOMAIN}</code>
            </li>
            <li>Members, roles and an audit trail of every change</li>
            <li>Your name, logo and colour on every page</li>
          </ul>
        </section>
        <section
          aria-labelledby="sign-up-heading"
          className="rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
        >
          <h2 id="sign-up-heading" className="mb-6 text-xl font-semibold">
            Create a workspace
          </h2>
          <SignUpForm action={signUpAction} rootDomain={ROOT_DOMAIN} />
        </section>
      </main>
      <footer className="mx-auto max-w-5xl border-t border-slate-200 px-6 py-6 text-sm text-slate-600">
        <Link href="/docs/api" className="font-medium text-indigo-700 hover:underline">
          API reference
        </Link>
      </footer>
    </>
  );
}
