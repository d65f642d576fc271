import { redirect } from 'next/navigation';
import { getCurrentTenant, getCurrentViewer } from '@/lib/actions';
import { signInAction } from './actions';
import { SignInForm } from '@/components/forms/sign-in-form';

export const metadata = { title: 'Sign in' };

export default async function SignInPage() {
  if (await getCurrentViewer()) redirect('/documents');
  const tenant = await getCurrentTenant();
  return (
    <section
      aria-labelledby="sign-in-heading"
      className="mx-auto max-w-sm rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200"
    >
      <h1 id="sign-in-heading" className="mb-6 text-xl font-semibold">
        Sign in to {tenant?.name}
      </h1>
      <SignInForm action={signInAction} />
    </section>
  );
}
