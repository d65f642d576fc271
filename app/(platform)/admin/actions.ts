'use server';

import { redirect } from 'next/navigation';
import { getCurrentOperator, getRequestContext } from '@/lib/actions';
import { signOutOperator } from '@/lib/auth';

/** Sign-out revokes the operator's server-side session, so a copied cookie stops working too. */
export async function signOutOperatorAction(): Promise<void> {
  const [operator, request] = await Promise.all([getCurrentOperator(), getRequestContext()]);
  if (operator) await signOutOperator(operator, { requestId: request.requestId, ip: request.ip });
  redirect('/admin/sign-in');
}
