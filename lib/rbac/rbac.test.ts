import { describe, expect, it } from 'vitest';
import { memberRoles } from '@/db/schema';
import {
  canGrant,
  hasPermission,
  isPermission,
  permissions,
  permissionsOf,
  roleDescriptions,
  roleLabels,
  rolePermissions,
} from './index';

const holder = (role: (typeof memberRoles)[number]) => ({ permissions: rolePermissions[role] });

describe('role → permission table', () => {
  it('covers every role with known permissions only, and names and describes each role', () => {
    for (const role of memberRoles) {
      for (const permission of rolePermissions[role]) expect(permissions).toContain(permission);
      expect(roleDescriptions[role]).toBeTruthy();
      expect(roleLabels[role]).toBeTruthy();
    }
  });

  it('gives owners everything and admins everything but billing', () => {
    expect(rolePermissions.owner).toEqual(permissions);
    expect(permissions.filter((p) => !hasPermission(holder('admin'), p))).toEqual([
      'billing:manage',
    ]);
  });

  it('keeps viewers to reading and members to documents', () => {
    expect(hasPermission(holder('viewer'), 'documents:read')).toBe(true);
    expect(hasPermission(holder('viewer'), 'documents:write')).toBe(false);
    expect(hasPermission(holder('member'), 'documents:delete')).toBe(true);
    expect(hasPermission(holder('member'), 'settings:manage')).toBe(false);
    expect(hasPermission(holder('member'), 'api_keys:manage')).toBe(false);
    expect(hasPermission(holder('member'), 'roles:manage')).toBe(false);
    expect(hasPermission(holder('billing'), 'billing:manage')).toBe(true);
    expect(hasPermission(holder('billing'), 'documents:read')).toBe(false);
  });

  it('lets a holder grant only roles whose permissions it holds', () => {
    const grantable = (actor: (typeof memberRoles)[number]) =>
      memberRoles.filter((role) => canGrant(holder(actor), rolePermissions[role]));
    expect(grantable('owner')).toEqual(memberRoles);
    expect(grantable('admin')).toEqual(['admin', 'member', 'viewer']);
    expect(grantable('member')).toEqual(['member', 'viewer']);
    expect(canGrant({ permissions: [] }, [])).toBe(true);
  });
});

describe('custom roles', () => {
  it('grant exactly their own permissions, in registry order, and nothing unknown', () => {
    expect(permissionsOf('custom', ['audit:read', 'documents:read'])).toEqual([
      'documents:read',
      'audit:read',
    ]);
    expect(permissionsOf('custom', ['documents:read', 'documents:burn'])).toEqual([
      'documents:read',
    ]);
    expect(permissionsOf('custom', null)).toEqual([]);
    expect(permissionsOf('viewer', ['settings:manage'])).toEqual([...rolePermissions.viewer]);
  });

  it('knows its own permission names only', () => {
    expect(isPermission('audit:read')).toBe(true);
    expect(isPermission('constructor')).toBe(false);
    expect(isPermission('audit:write')).toBe(false);
  });
});
