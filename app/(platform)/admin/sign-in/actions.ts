'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { publicAction, type ActionState } from '@/lib/actions';
import { signInOperator } from '@/lib/auth';
import { AppError } from '@/lib/errors';

const signInForm = z.object({
  email: z.string().trim().min(1, 'Enter your e-mail address.').max(254),
  password: z.string().min(1, 'Enter your password.').max(200),
});

// Root domain only (publicAction answers not_found on a tenant host); the operator provider's
// authorize() refuses tenant hosts again, checks the platform role, rate-limits and logs.
const signIn = publicAction(
  { name: 'operator.sign_in', input: signInForm },
  async ({ input }) => {
    const result = await signInOperator(input.email, input.password);
    if (result.ok) return;
    if (result.code === 'rate_limited') {
      throw new AppError(
        'rate_limited',
        'Too many failed attempts. Wait a few minutes, then try again.',
      );
    }
    throw new AppError(
      'unauthenticated',
      'That e-mail and password do not match an operator account.',
    );
  },
  () => redirect('/admin'),
);

export async function operatorSignInAction(previous: ActionState, formData: FormData) {
  return signIn(previous, formData);
}
