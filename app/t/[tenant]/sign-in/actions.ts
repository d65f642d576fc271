'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { echoValues, fieldErrorsOf, getCurrentTenant, type ActionState } from '@/lib/actions';
import { signInWithPassword } from '@/lib/auth';

const signInForm = z.object({
  email: z.string().trim().min(1, 'Enter your e-mail address.').max(254),
  password: z.string().min(1, 'Enter your password.').max(200),
});

const messages = {
  invalid_credentials: 'That e-mail and password do not match an account of this workspace.',
  rate_limited: 'Too many failed attempts. Wait a few minutes, then try again.',
  tenant_suspended: 'This workspace is suspended.',
} as const;

export async function signInAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const parsed = signInForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return {
      ok: false,
      code: 'invalid_input',
      message: 'Check the highlighted fields.',
      fieldErrors: fieldErrorsOf(parsed.error),
      values: echoValues(formData),
    };
  }
  const tenant = await getCurrentTenant();
  if (!tenant) return { ok: false, code: 'not_found', message: 'This workspace does not exist.' };
  // Authentication, rate limits, audit and the session row all happen in lib/auth (authorize).
  const result = await signInWithPassword(parsed.data.email, parsed.data.password);
  if (!result.ok) {
    const code = result.code === 'invalid_credentials' ? 'unauthenticated' : result.code;
    return { ok: false, code, message: messages[result.code], values: echoValues(formData) };
  }
  redirect('/documents');
}
