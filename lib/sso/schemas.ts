import { z } from 'zod';

/** Roles new people may get when the identity provider vouches for them (never owner). */
export const ssoAutoProvisionRoles = ['admin', 'member', 'viewer', 'billing'] as const;
export type SsoAutoProvisionRole = (typeof ssoAutoProvisionRoles)[number];

/** Auth.js's id of the per-tenant provider: it names the callback path. */
export const SSO_PROVIDER_ID = 'oidc';
/** Where identity providers send the browser back; register it at the provider as the redirect URI. */
export const SSO_CALLBACK_PATH = `/api/auth/callback/${SSO_PROVIDER_ID}`;

const checkbox = z.preprocess((value) => value === true || value === 'on', z.boolean());

/**
 * The settings form. The client secret is write-only: it is never sent back to the browser, and
 * leaving it blank keeps the saved one (a new connection must have one).
 */
export const ssoConnectionInput = z.object({
  issuer: z
    .string({ message: 'Enter the issuer URL.' })
    .trim()
    .min(1, 'Enter the issuer URL.')
    .max(500, 'Keep the issuer URL under 500 characters.')
    .pipe(
      z.url({
        protocol: /^https?$/,
        message: 'Enter the issuer as a URL, e.g. https://login.example.com.',
      }),
    )
    .refine((value) => {
      // An unparsable value has its own message from the url check above.
      if (!URL.canParse(value)) return true;
      const url = new URL(value);
      return !url.search && !url.hash && !url.username && !url.password;
    }, 'An issuer URL has no query, fragment or credentials.'),
  clientId: z
    .string({ message: 'Enter the client id.' })
    .trim()
    .min(1, 'Enter the client id.')
    .max(200, 'Keep the client id under 200 characters.'),
  clientSecret: z
    .string()
    .max(500, 'Keep the client secret under 500 characters.')
    .optional()
    .transform((value) => value?.trim() || undefined),
  enabled: checkbox,
  enforced: checkbox,
  autoProvisionRole: z.preprocess(
    (value) => (value === '' || value === undefined ? null : value),
    z
      .enum(ssoAutoProvisionRoles, { message: 'Choose a role, or no automatic accounts.' })
      .nullable(),
  ),
});
export type SsoConnectionInput = z.output<typeof ssoConnectionInput>;

/** What the sign-in page may say about a refused SSO sign-in (`?sso_error=` on /sign-in). */
export const ssoFailureReasons = [
  'unavailable',
  'tenant_suspended',
  'email_unverified',
  'not_member',
  'identity_conflict',
  'invitation_pending',
  'domain_not_allowed',
  'limit_reached',
] as const;
export type SsoFailureReason = (typeof ssoFailureReasons)[number];

export const ssoFailureMessages: Record<SsoFailureReason | 'failed', string> = {
  unavailable: 'Single sign-on is not available for this workspace.',
  tenant_suspended: 'This workspace is suspended.',
  email_unverified:
    'Your identity provider did not confirm your e-mail address, so it cannot be matched to an account here. Ask your administrator.',
  not_member:
    'You signed in with your identity provider, but you are not a member of this workspace. Ask an administrator to invite you.',
  identity_conflict:
    'Your account here is already linked to another identity at this provider. Ask an administrator.',
  invitation_pending:
    'You have an invitation to this workspace: accept it from the e-mail first, then sign in with SSO.',
  domain_not_allowed:
    'Your e-mail domain may not join this workspace. Ask an administrator to invite you.',
  limit_reached: 'This workspace has no room for new members. Ask an administrator.',
  failed:
    'Single sign-on did not complete. Try again; if it keeps failing, ask your administrator.',
};
