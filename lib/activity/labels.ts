import { actionLabeller, type ActionGroup } from '@/lib/audit';
import type { ActivityStream } from '@/db/schema';

/** Readable names of the reads the access log records, grouped by what they are about. */
export const accessActionGroups: ReadonlyArray<ActionGroup> = [
  {
    prefix: 'document.',
    label: 'Documents',
    actions: { 'document.viewed': 'Document viewed', 'document.listed': 'Documents listed' },
  },
  { prefix: 'log.', label: 'Logs', actions: { 'log.exported': 'Log exported' } },
  {
    prefix: 'usage.',
    label: 'Usage',
    actions: { 'usage.viewed': 'Usage viewed', 'usage.exported': 'Usage exported' },
  },
  {
    prefix: 'invoice.',
    label: 'Invoices',
    actions: { 'invoice.downloaded': 'Invoice downloaded' },
  },
  {
    prefix: 'backup.',
    label: 'Backups',
    actions: { 'backup.downloaded': 'Backup downloaded' },
  },
];

/** Readable names of the security events, grouped by what they are about. */
export const securityActionGroups: ReadonlyArray<ActionGroup> = [
  {
    prefix: 'auth.',
    label: 'Sign-in',
    actions: {
      'auth.signed_in': 'Signed in',
      'auth.sign_in_failed': 'Sign-in failed',
      'auth.sign_in_rate_limited': 'Sign-in refused (too many failures)',
      'auth.account_locked': 'Account locked',
      'auth.session_rejected': 'Session refused',
      'auth.mfa_failed': 'Second factor failed',
      'auth.mfa_rate_limited': 'Second factor refused (too many failures)',
    },
  },
  {
    prefix: 'permission.',
    label: 'Permissions',
    actions: { 'permission.denied': 'Permission denied' },
  },
  {
    prefix: 'request.',
    label: 'Requests',
    actions: { 'request.unknown_id': 'Unknown id requested' },
  },
  {
    prefix: 'api_key.',
    label: 'API keys',
    actions: { 'api_key.created': 'API key created', 'api_key.revoked': 'API key revoked' },
  },
  { prefix: 'api.', label: 'API', actions: { 'api.rate_limited': 'API rate limit reached' } },
  {
    prefix: 'invitation.',
    label: 'Invitations',
    actions: {
      'invitation.accept_failed': 'Invitation acceptance failed',
      'invitation.accept_rate_limited': 'Invitation acceptance refused (too many attempts)',
    },
  },
];

export const activityActionGroups: Readonly<Record<ActivityStream, ReadonlyArray<ActionGroup>>> = {
  access: accessActionGroups,
  security: securityActionGroups,
};

const labellers = {
  access: actionLabeller(accessActionGroups),
  security: actionLabeller(securityActionGroups),
};

/** "document.viewed" → "Document viewed", in the log it belongs to. */
export function activityActionLabel(stream: ActivityStream, action: string): string {
  return labellers[stream](action);
}
