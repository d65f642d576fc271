import type { MemberRole } from '@/db/schema';

/** Every permission the application checks. Checks name a permission, never a role. */
export const permissions = [
  'documents:read',
  'documents:write',
  'documents:delete',
  'settings:manage',
  'audit:read',
  'api_keys:manage',
] as const;
export type Permission = (typeof permissions)[number];

export const rolePermissions: Readonly<Record<MemberRole, readonly Permission[]>> = {
  owner: permissions,
  admin: permissions,
  member: ['documents:read', 'documents:write', 'documents:delete'],
};

export function roleHasPermission(role: MemberRole, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}
