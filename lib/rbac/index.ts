import type { MemberRole } from '@/db/schema';

/** Every permission the application checks, with what it allows. Checks name a permission, never a role. */
export const permissionDescriptions = {
  'documents:read': 'Read documents',
  'documents:write': 'Create and edit documents',
  'documents:delete': 'Delete documents',
  'members:read': 'See who the members are',
  'members:manage': 'Change members’ roles and remove members',
  'settings:manage': 'Change the workspace’s name and branding',
  'security:manage': 'Change sign-in and session policies',
  'api_keys:manage': 'Create and revoke API keys',
  'billing:manage': 'Manage the subscription and invoices',
  'usage:read': 'See usage and limits',
  'audit:read': 'Read the audit trail',
} as const;
export type Permission = keyof typeof permissionDescriptions;
export const permissions = Object.keys(permissionDescriptions) as Permission[];

const except = (...left: Permission[]) => permissions.filter((p) => !left.includes(p));

/**
 * The built-in roles. Owners hold everything; admins everything but billing (so an admin can
 * neither make an owner nor a billing member: nobody grants what they do not hold).
 */
export const rolePermissions: Readonly<Record<MemberRole, readonly Permission[]>> = {
  owner: permissions,
  admin: except('billing:manage'),
  member: ['documents:read', 'documents:write', 'documents:delete', 'members:read'],
  viewer: ['documents:read', 'members:read'],
  billing: ['billing:manage', 'usage:read', 'members:read'],
};

export const roleDescriptions: Readonly<Record<MemberRole, string>> = {
  owner: 'Everything, including billing and ownership',
  admin: 'Everything except billing',
  member: 'Works on documents',
  viewer: 'Reads documents only',
  billing: 'Manages billing and sees usage',
};

export function roleHasPermission(role: MemberRole, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/** True when every permission of `granted` is one `actor` holds: nobody grants more than they have. */
export function canGrantRole(actor: MemberRole, granted: MemberRole): boolean {
  return rolePermissions[granted].every((permission) => roleHasPermission(actor, permission));
}
