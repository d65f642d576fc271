import { describe, expect, it } from 'vitest';
import { memberRoles } from '@/db/schema';
import {
  canGrantRole,
  permissions,
  roleDescriptions,
  roleHasPermission,
  rolePermissions,
} from './index';

describe('role → permission table', () => {
  it('covers every role with known permissions only, and describes each role', () => {
    for (const role of memberRoles) {
      for (const permission of rolePermissions[role]) expect(permissions).toContain(permission);
      expect(roleDescriptions[role]).toBeTruthy();
    }
  });

  it('gives owners everything and admins everything but billing', () => {
    expect(rolePermissions.owner).toEqual(permissions);
    expect(permissions.filter((p) => !roleHasPermission('admin', p))).toEqual(['billing:manage']);
  });

  it('keeps viewers to reading and members to documents', () => {
    expect(roleHasPermission('viewer', 'documents:read')).toBe(true);
    expect(roleHasPermission('viewer', 'documents:write')).toBe(false);
    expect(roleHasPermission('member', 'documents:delete')).toBe(true);
    expect(roleHasPermission('member', 'settings:manage')).toBe(false);
    expect(roleHasPermission('member', 'api_keys:manage')).toBe(false);
    expect(roleHasPermission('billing', 'billing:manage')).toBe(true);
    expect(roleHasPermission('billing', 'documents:read')).toBe(false);
  });

  it('lets a role grant only roles whose permissions it holds', () => {
    expect(memberRoles.filter((role) => canGrantRole('owner', role))).toEqual(memberRoles);
    expect(memberRoles.filter((role) => canGrantRole('admin', role))).toEqual([
      'admin',
      'member',
      'viewer',
    ]);
    expect(memberRoles.filter((role) => canGrantRole('member', role))).toEqual([
      'member',
      'viewer',
    ]);
  });
});
