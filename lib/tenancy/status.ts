import type { TenantStatus } from '@/db/schema';

/**
 * The tenant lifecycle, in one place. Archived is the end of the road except for a restore to
 * suspended, from which an operator re-activates deliberately.
 */
export const statusTransitions: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
  trial: ['active', 'past_due', 'suspended', 'archived'],
  active: ['past_due', 'suspended', 'archived'],
  past_due: ['active', 'suspended', 'archived'],
  suspended: ['active', 'archived'],
  archived: ['suspended'],
};

export function canTransition(from: TenantStatus, to: TenantStatus): boolean {
  return statusTransitions[from].includes(to);
}

export const statusLabels: Readonly<Record<TenantStatus, string>> = {
  trial: 'Trial',
  active: 'Active',
  past_due: 'Past due',
  suspended: 'Suspended',
  archived: 'Archived',
};
