import { z } from 'zod';
import { apiScopes, createApiKeyInput } from '@/lib/api-keys';
import {
  entitlementsOf,
  featureNames,
  featureOverridesSchema,
  limitNames,
  limitOverridesSchema,
  meteredLimitNames,
  overageOverridesSchema,
  overagePolicies,
  type Feature,
  type Limit,
  type MeteredLimit,
  type OveragePolicy,
} from '@/lib/plans';
import {
  listTenantsInput,
  metadataSchema,
  provisionTenantInput,
  statusSchema,
  statusTransitions,
  updateTenantInput,
  type TenantDetailDTO,
  type TenantDTO,
} from '@/lib/tenancy';
import { AppError } from '@/lib/errors';
import { defineOperation } from './contract';

/**
 * The platform REST API (root domain, `/api/platform/v1`, bearer PLATFORM_API_TOKEN): what each
 * operation accepts and answers. The route files under app/api/platform/v1 validate with these
 * schemas and the OpenAPI document is generated from them.
 */

const isoDate = z.iso.datetime({ offset: true });

const EXAMPLE_TENANT_ID = '3f1c2a9e-8b4d-4c1e-9f7a-2d6b5e8c0a14';
const EXAMPLE_KEY = {
  id: '9b2e7c41-5d3a-4f8e-8c6b-1a2d3e4f5a6b',
  key: 'tnry_ExampleKeyShownOnceStoreItSafely-0123456789',
  prefix: 'tnry_ExampleK',
} as const;

const exampleOverrides = {
  features: { custom_branding: false } as Partial<Record<Feature, boolean>>,
  limits: { members: 50 } as Partial<Record<Limit, number | null>>,
  overage: { api_calls_per_month: 'block' } as Partial<Record<MeteredLimit, OveragePolicy>>,
};
const exampleEntitled = {
  plan: 'pro',
  featureOverrides: exampleOverrides.features,
  limitOverrides: exampleOverrides.limits,
  overageOverrides: exampleOverrides.overage,
};

const exampleTenant = {
  id: EXAMPLE_TENANT_ID,
  slug: 'acme',
  name: 'Acme Inc.',
  status: 'active' as const,
  plan: 'pro',
  metadata: { crm_id: 'CRM-1042', region: 'eu-west' },
  features: exampleOverrides.features,
  limits: exampleOverrides.limits,
  overage: exampleOverrides.overage,
  entitlements: entitlementsOf(exampleEntitled),
  createdAt: '2026-01-15T09:30:00.000Z',
  updatedAt: '2026-11-20T16:05:12.345Z',
};

const entitlementsSchema = z
  .object({
    features: z.record(z.enum(featureNames as [Feature, ...Feature[]]), z.boolean()),
    limits: z.record(z.enum(limitNames as [Limit, ...Limit[]]), z.number().int().nullable()),
    overage: z
      .record(
        z.enum(meteredLimitNames as [MeteredLimit, ...MeteredLimit[]]),
        z.enum(overagePolicies),
      )
      .describe(
        'What happens past each metered allowance: `block` refuses the work (402), `allow` serves it and bills the excess, `notify` serves it and tells the tenant’s admins.',
      ),
  })
  .describe(
    'Every feature, limit and overage policy in effect: the plan’s, with this tenant’s overrides applied. A null limit is unlimited.',
  );

export const tenantSchema = z
  .object({
    id: z.uuid(),
    slug: z.string().describe('The tenant’s subdomain label: `<slug>.<root domain>`.'),
    name: z.string(),
    status: statusSchema,
    plan: z.string().describe('A plan id: free, pro, business or enterprise.'),
    metadata: metadataSchema.describe(
      'Free key/value strings operators attach (CRM ids, regions, notes).',
    ),
    features: featureOverridesSchema,
    limits: limitOverridesSchema,
    overage: overageOverridesSchema,
    entitlements: entitlementsSchema,
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Tenant', example: exampleTenant });
export type TenantWire = z.output<typeof tenantSchema>;

export const tenantDetailSchema = tenantSchema
  .extend({
    memberCount: z.number().int().min(0),
    documentCount: z.number().int().min(0),
  })
  .meta({ id: 'TenantDetail', example: { ...exampleTenant, memberCount: 12, documentCount: 348 } });

/**
 * A tenant as the platform API answers it: ISO dates, overrides under `features`, `limits` and
 * `overage`.
 */
export function toTenantWire(tenant: TenantDTO): TenantWire {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    plan: tenant.plan,
    metadata: tenant.metadata,
    features: tenant.featureOverrides,
    limits: tenant.limitOverrides,
    overage: tenant.overageOverrides,
    entitlements: tenant.entitlements,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

export function toTenantDetailWire(tenant: TenantDetailDTO): z.output<typeof tenantDetailSchema> {
  return {
    ...toTenantWire(tenant),
    memberCount: tenant.memberCount,
    documentCount: tenant.documentCount,
  };
}

export const createdApiKeySchema = z
  .object({
    id: z.uuid(),
    key: z.string().describe('The full key. It is shown this once and never again: store it now.'),
    prefix: z.string().describe('The first characters of the key, shown in lists to recognise it.'),
  })
  .meta({ id: 'CreatedApiKey', example: EXAMPLE_KEY });

export const issuedApiKeySchema = createdApiKeySchema
  .extend({
    name: z.string(),
    scopes: z.array(z.enum(apiScopes)),
    expiresAt: isoDate.nullable().describe('Null for a key that does not expire.'),
  })
  .meta({
    id: 'IssuedApiKey',
    example: {
      ...EXAMPLE_KEY,
      name: 'CRM sync',
      scopes: ['documents:read'],
      expiresAt: '2027-12-31T23:59:59.999Z',
    },
  });

/** Path parameter of `/tenants/{id}`. Deliberately a plain string: a malformed id answers 404, like a missing one. */
export const tenantIdParams = z.object({
  id: z
    .string()
    .max(100)
    .meta({
      description: 'Tenant id (uuid).',
      example: EXAMPLE_TENANT_ID,
      override: { format: 'uuid' },
    }),
});

const lifecycle = Object.entries(statusTransitions)
  .map(([from, to]) => `${from} → ${to.join(' | ')}`)
  .join('; ');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `{id}` of a tenant path as a uuid; anything else is a tenant that does not exist (404, not 400). */
export function tenantIdOrNotFound(id: string): string {
  if (!UUID.test(id)) throw new AppError('not_found', 'Tenant not found.');
  return id.toLowerCase();
}

const tenantEnvelope = z.object({ tenant: tenantSchema });

const listTenantsQuery = listTenantsInput.extend({
  q: listTenantsInput.shape.q.meta({
    description: 'Matches slug or name (case-insensitive substring).',
    example: 'acme',
  }),
  status: listTenantsInput.shape.status.meta({ description: 'Only tenants in this status.' }),
  plan: listTenantsInput.shape.plan.meta({ description: 'Only tenants on this plan.' }),
  sort: listTenantsInput.shape.sort.meta({
    description: '`created` (newest first), `name` or `slug` (ascending).',
  }),
  cursor: listTenantsInput.shape.cursor.meta({ description: 'The previous page’s `nextCursor`.' }),
  limit: listTenantsInput.shape.limit.meta({ description: 'Page size, 1–100.' }),
});

export const createTenantOperation = defineOperation({
  method: 'post',
  path: '/tenants',
  operationId: 'createTenant',
  summary: 'Provision a tenant',
  description:
    'Creates the tenant, its owner and the owner’s membership in one transaction, and optionally a first API key. ' +
    'An existing account with `ownerEmail` becomes the owner as it is; a new owner without `ownerPassword` gets an ' +
    'account that cannot sign in until a password is set (e.g. through password reset). The API key is returned once.',
  tag: 'Tenants',
  body: provisionTenantInput,
  bodyExample: {
    slug: 'acme',
    name: 'Acme Inc.',
    ownerEmail: 'ada@acme.example',
    plan: 'pro',
    metadata: { crm_id: 'CRM-1042' },
    apiKey: { name: 'Provisioning', scopes: ['documents:read', 'documents:write'] },
  },
  success: {
    status: 201,
    description: 'The new tenant, and the first API key when one was asked for.',
    schema: z.object({
      tenant: tenantSchema,
      apiKey: createdApiKeySchema.optional().describe('Only when `apiKey` was sent. Shown once.'),
    }),
    example: { tenant: exampleTenant, apiKey: EXAMPLE_KEY },
  },
  errors: ['slug_taken'],
});

export const listTenantsOperation = defineOperation({
  method: 'get',
  path: '/tenants',
  operationId: 'listTenants',
  summary: 'List tenants',
  description:
    'Search (`q` matches slug or name), filter by `status` and `plan`, and sort. Keyset pagination: pass `nextCursor` ' +
    'back as `cursor` (with the same filters and sort) until it is null.',
  tag: 'Tenants',
  query: listTenantsQuery,
  success: {
    status: 200,
    description: 'A page of tenants.',
    schema: z
      .object({
        data: z.array(tenantSchema),
        nextCursor: z
          .string()
          .nullable()
          .describe('Pass as `cursor` for the next page; null on the last page.'),
      })
      .meta({ id: 'TenantPage' }),
    example: { data: [exampleTenant], nextCursor: null },
  },
  errors: [],
});

export const getTenantOperation = defineOperation({
  method: 'get',
  path: '/tenants/{id}',
  operationId: 'getTenant',
  summary: 'Get a tenant',
  description:
    'The tenant with its member and document counts. An unknown or malformed id answers 404.',
  tag: 'Tenants',
  params: tenantIdParams,
  success: {
    status: 200,
    description: 'The tenant.',
    schema: z.object({ tenant: tenantDetailSchema }),
    example: { tenant: { ...exampleTenant, memberCount: 12, documentCount: 348 } },
  },
  errors: ['not_found'],
});

export const updateTenantOperation = defineOperation({
  method: 'patch',
  path: '/tenants/{id}',
  operationId: 'updateTenant',
  summary: 'Change a tenant',
  description:
    'Rename, change status (with a `reason`, recorded in the audit trail), plan, metadata, feature, limit and overage policy overrides. ' +
    '`metadata`, `features`, `limits` and `overage` each replace the whole object (`{}` clears the overrides). Status follows the lifecycle (' +
    lifecycle +
    '); any other change answers 409 invalid_transition. Every kind of change is its own audit event.',
  tag: 'Tenants',
  params: tenantIdParams,
  body: updateTenantInput,
  bodyExample: {
    status: 'suspended',
    reason: 'Unpaid invoices since March.',
    limits: { members: 50 },
    overage: { api_calls_per_month: 'block' },
  },
  success: {
    status: 200,
    description: 'The changed tenant.',
    schema: tenantEnvelope,
    example: { tenant: exampleTenant },
  },
  errors: ['not_found', 'invalid_transition'],
});

export const createTenantApiKeyOperation = defineOperation({
  method: 'post',
  path: '/tenants/{id}/api-keys',
  operationId: 'createTenantApiKey',
  summary: 'Create an API key for a tenant',
  description:
    'The key belongs to the tenant and works only on its host (`/api/v1`). It is returned in full once. ' +
    'A key works only while the tenant’s plan (or an override) includes `api_access`. Archived tenants get no new keys (409).',
  tag: 'API keys',
  params: tenantIdParams,
  body: createApiKeyInput,
  bodyExample: { name: 'CRM sync', scopes: ['documents:read'], expiresAt: '2030-12-31' },
  success: {
    status: 201,
    description: 'The new key. Store `key` now: it is never shown again.',
    schema: issuedApiKeySchema,
    example: {
      ...EXAMPLE_KEY,
      name: 'CRM sync',
      scopes: ['documents:read'],
      expiresAt: '2030-12-31T23:59:59.999Z',
    },
  },
  errors: ['not_found', 'conflict'],
});

export const platformV1Operations = [
  createTenantOperation,
  listTenantsOperation,
  getTenantOperation,
  updateTenantOperation,
  createTenantApiKeyOperation,
];
