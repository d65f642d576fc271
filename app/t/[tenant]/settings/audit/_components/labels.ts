import type { ActorType } from '@/db/schema';

/** How each kind of actor reads in the log and in the actor filter. */
export const actorTypeLabels: Readonly<Record<ActorType, string>> = {
  user: 'Member',
  operator: 'Platform operator',
  api_key: 'API key',
  platform: 'Platform API',
  system: 'System',
  anonymous: 'Anonymous',
};

/** The actor filter's kinds: a member is chosen by name; these pick everyone of a kind. */
export const actorKindOptions: ReadonlyArray<{ value: ActorType; label: string }> = [
  { value: 'user', label: 'Any member' },
  { value: 'api_key', label: 'API keys' },
  { value: 'operator', label: 'Operators' },
  { value: 'platform', label: 'Platform' },
  { value: 'system', label: 'System' },
  { value: 'anonymous', label: 'Anonymous (e.g. failed sign-ins)' },
];

/** The kinds of target the application records; an unknown one reads as itself. */
export const targetTypeLabels: Readonly<Record<string, string>> = {
  document: 'Document',
  user: 'Member',
  session: 'Session',
  api_key: 'API key',
  invitation: 'Invitation',
  tenant: 'Workspace',
  log: 'Log',
};

/** Where a read came from (access log), or a security event's request. */
export const channelLabels: Readonly<Record<string, string>> = {
  web: 'Web portal',
  api: 'API',
  export: 'Download',
};

export function targetTypeLabel(type: string): string {
  return targetTypeLabels[type] ?? type;
}

const SUMMARY_LENGTH = 100;

const isEmpty = (value: unknown) =>
  value === null ||
  value === undefined ||
  value === '' ||
  (typeof value === 'object' && Object.keys(value).length === 0);

/** One line about an event's metadata: `title: Launch plan · from: free`. */
export function summarizeMetadata(metadata: Record<string, unknown>): string {
  const text = Object.entries(metadata)
    .filter(([, value]) => !isEmpty(value))
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
  return text.length > SUMMARY_LENGTH ? `${text.slice(0, SUMMARY_LENGTH - 1)}…` : text;
}
