import { redirect } from 'next/navigation';
import { getCurrentOperator } from '@/lib/actions';
import { operatorSignInAction } from './actions';
import { SignInForm } from '@/components/forms/sign-in-form';

export const metadata = { title: 'Sign in' };

export default async function OperatorSignInPage() {
  if (await getCurrentOperator()) redirect('/admin');
  return (
    <main className="mx-auto max-w-sm px-6 py-16">
      <p className="mb-2 text-center text-sm font-semibold tracking-wide text-indigo-600 uppercase">
        Tenantry
      </p>
      <section
        aria-labelledby="operator-sign-in-heading"
        className="rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
      >
        <h1 id="operator-sign-in-heading" className="text-xl font-semibold">
          Operator sign-in
        </h1>
        <p className="mt-1 mb-6 text-sm text-slate-600">
          For the platform’s operators. Members of a workspace sign in at their workspace’s own
          address.
        </p>
        <SignInForm action={operatorSignInAction} />
      </section>
    </main>
  );
}
