import { describe, expect, it } from 'vitest';
import { memberRoles } from '@/db/schema';
import { permissions, roleHasPermission, rolePermissions } from './index';

describe('role → permission table', () => {
  it('covers every role with known permissions only', () => {
    for (const role of memberRoles) {
      for (const permission of rolePermissions[role]) expect(permissions).toContain(permission);
    }
  });

  it('lets owners and admins manage settings, members only work on documents', () => {
    expect(roleHasPermission('owner', 'settings:manage')).toBe(true);
    expect(roleHasPermission('admin', 'settings:manage')).toBe(true);
    expect(roleHasPermission('member', 'settings:manage')).toBe(false);
    expect(roleHasPermission('member', 'audit:read')).toBe(false);
    expect(roleHasPermission('member', 'documents:write')).toBe(true);
  });

  it('lets owners and admins manage API keys, not members', () => {
    expect(roleHasPermission('owner', 'api_keys:manage')).toBe(true);
    expect(roleHasPermission('admin', 'api_keys:manage')).toBe(true);
    expect(roleHasPermission('member', 'api_keys:manage')).toBe(false);
  });
});
