import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';

/**
 * A tenant's own roles, built from permissions (lib/rbac names them). Built-in roles (owner,
 * admin, …) live in code; a membership or an invitation names either a built-in role or one of
 * these (`role = 'custom'` with `custom_role_id`). A role that is in use cannot be deleted: the
 * foreign keys from memberships and invitations restrict it.
 */
export const tenantRoles = pgTable(
  'tenant_roles',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    permissions: text('permissions')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('tenant_roles_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('tenant_roles_tenant_name_key').on(t.tenantId, sql`lower(${t.name})`),
    check('tenant_roles_name_length', sql`char_length(${t.name}) between 1 and 60`),
    check('tenant_roles_description_length', sql`char_length(${t.description}) <= 200`),
    ...tenantPolicies('tenant_roles', t.tenantId),
  ],
);

export type TenantRole = typeof tenantRoles.$inferSelect;
