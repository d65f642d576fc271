import type { MemberRole, RoleColumn } from '@/db/schema';

/** Every permission the application checks, with what it allows. Checks name a permission, never a role. */
export const permissionDescriptions = {
  'documents:read': 'Read documents',
  'documents:write': 'Create and edit documents',
  'documents:delete': 'Delete documents',
  'members:read': 'See who the members are',
  'members:manage': 'Invite members, change their roles and remove them',
  'roles:manage': 'Create, edit and delete the workspace’s own roles',
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

export const roleLabels: Readonly<Record<MemberRole, string>> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
  billing: 'Billing',
};

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(permissionDescriptions, value);
}

/**
 * What a membership may do: its built-in role's permissions, or its custom role's. Unknown
 * names in a custom role (a permission retired from the registry) grant nothing.
 */
export function permissionsOf(
  role: RoleColumn,
  customRolePermissions: readonly string[] | null,
): Permission[] {
  if (role !== 'custom') return [...rolePermissions[role]];
  return permissions.filter((p) => customRolePermissions?.includes(p));
}

/** Anyone or anything that holds permissions: a signed-in member (ViewerDTO), an actor in a check. */
export type PermissionHolder = { permissions: readonly Permission[] };

export function hasPermission(holder: PermissionHolder, permission: Permission): boolean {
  return holder.permissions.includes(permission);
}

/** True when the holder has every permission it would grant: nobody grants more than they have. */
export function canGrant(holder: PermissionHolder, granted: readonly Permission[]): boolean {
  return granted.every((permission) => hasPermission(holder, permission));
}
