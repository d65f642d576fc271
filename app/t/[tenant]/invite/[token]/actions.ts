'use server';

import { redirect } from 'next/navigation';
import {
  echoValues,
  fieldErrorsOf,
  getCurrentTenant,
  getRequestContext,
  type ActionState,
} from '@/lib/actions';
import { signInWithPassword } from '@/lib/auth';
import { isAppError } from '@/lib/errors';
import { acceptInvitation, acceptInvitationInput } from '@/lib/invitations';
import { log } from '@/lib/log';

/**
 * Accepting an invitation creates the session, so like sign-in it cannot use tenantAction (which
 * needs one). It validates with zod, takes the tenant from the host only, and lib/invitations
 * rate-limits per IP (failing closed), checks the link against the host's tenant, and audits.
 * Then it signs in through Auth.js with the password just proved or chosen.
 */
export async function acceptInvitationAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const parsed = acceptInvitationInput.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return {
      ok: false,
      code: 'invalid_input',
      message: 'Check the highlighted fields.',
      fieldErrors: fieldErrorsOf(parsed.error),
      values: echoValues(formData),
    };
  }
  const [tenant, request] = await Promise.all([getCurrentTenant(), getRequestContext()]);
  if (!tenant) return { ok: false, code: 'not_found', message: 'This workspace does not exist.' };
  let email: string;
  try {
    ({ email } = await acceptInvitation({
      tenant,
      ...parsed.data,
      request: { requestId: request.requestId, ip: request.ip, userAgent: request.userAgent },
    }));
  } catch (error) {
    if (isAppError(error)) {
      return {
        ok: false,
        code: error.code,
        message: error.message,
        fieldErrors: error.fieldErrors,
        values: echoValues(formData),
      };
    }
    log.error(
      {
        err: error,
        action: 'invitation.accept',
        requestId: request.requestId,
        tenantId: tenant.id,
      },
      'action failed',
    );
    return {
      ok: false,
      code: 'internal',
      message: 'Something went wrong. Try again; if it keeps failing, contact support.',
    };
  }
  // Outside the try: redirect() works by throwing. The membership exists now; should signing in
  // be refused (its own rate limits), the sign-in page is the way in.
  const signedIn = await signInWithPassword(email, parsed.data.password);
  redirect(signedIn.ok ? '/documents' : '/sign-in');
}
