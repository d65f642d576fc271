'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import {
  echoValues,
  fieldErrorsOf,
  getCurrentTenant,
  getRequestContext,
  type ActionState,
} from '@/lib/actions';
import { pendingSignInPath, signInWithPassword, startSsoSignIn } from '@/lib/auth';
import { ssoFailureMessages } from '@/lib/sso';

const signInForm = z.object({
  email: z.string().trim().min(1, 'Enter your e-mail address.').max(254),
  password: z.string().min(1, 'Enter your password.').max(200),
});

const messages = {
  invalid_credentials: 'That e-mail and password do not match an account of this workspace.',
  rate_limited: 'Too many failed attempts. Wait a few minutes, then try again.',
  tenant_suspended: 'This workspace is suspended.',
  sso_required:
    'This workspace signs in with single sign-on: use “Sign in with SSO”. Only owners may use a password, as a fallback.',
} as const;

/** "… Try again in 15 minutes (after 14:32 UTC)." — the lock's end, from the limiter's window. */
function lockedMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  const until = new Date(Date.now() + retryAfterSeconds * 1000).toISOString().slice(11, 16);
  return (
    'This account is temporarily locked after too many failed sign-ins. ' +
    `Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} (after ${until} UTC).`
  );
}

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
  if (!result.ok && result.code === 'account_locked') {
    return {
      ok: false,
      code: 'rate_limited',
      message: lockedMessage(result.retryAfterSeconds),
      values: echoValues(formData),
    };
  }
  if (!result.ok) {
    const code =
      result.code === 'invalid_credentials'
        ? 'unauthenticated'
        : result.code === 'sso_required'
          ? 'forbidden'
          : result.code;
    return { ok: false, code, message: messages[result.code], values: echoValues(formData) };
  }
  // A member with a second factor (or one the tenant requires) is not signed in yet.
  redirect(result.pendingStep ? pendingSignInPath(result.pendingStep) : '/documents');
}

/**
 * "Sign in with SSO": sends the browser to the tenant's identity provider. Like signInAction it
 * is how one gets a session, so no wrapper applies; the tenant is the host's, the connection is
 * that tenant's own, and the flow's state lives in host-only cookies (lib/sso, lib/auth).
 */
export async function ssoSignInAction(_previous: ActionState): Promise<ActionState> {
  const tenant = await getCurrentTenant();
  if (!tenant) return { ok: false, code: 'not_found', message: 'This workspace does not exist.' };
  const { requestId, ip, userAgent } = await getRequestContext();
  const started = await startSsoSignIn(tenant, { requestId, ip, userAgent });
  if (!started.ok) {
    return {
      ok: false,
      code: started.code === 'tenant_suspended' ? 'tenant_suspended' : 'unavailable',
      message: ssoFailureMessages[started.code],
    };
  }
  redirect(started.url);
}
