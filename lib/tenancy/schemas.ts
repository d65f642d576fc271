import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { slugSchema } from '@/lib/host';
import { tenantStatuses } from '@/db/schema';
import {
  featureOverridesSchema,
  limitOverridesSchema,
  overageOverridesSchema,
  planIdSchema,
} from '@/lib/plans';
import { apiScopes } from '@/lib/api-keys/scopes';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'Enter a valid e-mail address.' }));
export const newPasswordSchema = z
  .string()
  .min(10, 'Use at least 10 characters.')
  .max(200, 'Use at most 200 characters.');

export const registerTenantInput = z.object({
  name: z
    .string()
    .trim()
    .min(2, 'Enter your organisation’s name.')
    .max(100, 'Keep the name under 100 characters.'),
  slug: slugSchema,
  ownerEmail: emailSchema,
  ownerPassword: newPasswordSchema,
});
export type RegisterTenantInput = z.infer<typeof registerTenantInput>;

const colorSchema = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour like #4f46e5.');
const logoUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, message: 'Use an http(s) address of an image.' }));

export const tenantSettingsInput = z.object({
  name: z.string().trim().min(2, 'Enter a name.').max(100, 'Keep the name under 100 characters.'),
  logoUrl: z.union([z.literal(''), logoUrlSchema]).transform((value) => value || undefined),
  primaryColor: colorSchema,
});
export type TenantSettingsInput = z.infer<typeof tenantSettingsInput>;

export const DEFAULT_PRIMARY_COLOR = '#4f46e5';

export const slugTaken = () =>
  new AppError('slug_taken', 'That address is taken.', {
    fieldErrors: { slug: ['This address is taken. Choose another.'] },
  });

const METADATA_MAX_KEYS = 50;
const METADATA_MAX_BYTES = 8 * 1024;

/** Free key/value metadata operators attach to a tenant (CRM ids, regions, notes). */
export const metadataSchema = z
  .record(
    z
      .string()
      .regex(
        /^[a-z][a-z0-9_.-]{0,62}$/,
        'Keys are 1–63 characters: lowercase letters, digits, “_”, “.” or “-”, starting with a letter.',
      ),
    z.string().max(500, 'Values are at most 500 characters.'),
  )
  .refine(
    (value) => Object.keys(value).length <= METADATA_MAX_KEYS,
    `At most ${METADATA_MAX_KEYS} keys.`,
  )
  .refine(
    (value) => Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES,
    `Metadata is at most ${METADATA_MAX_BYTES / 1024} KiB in all.`,
  );
export type TenantMetadata = z.infer<typeof metadataSchema>;

export const tenantNameSchema = z
  .string()
  .trim()
  .min(2, 'Enter a name.')
  .max(100, 'Keep the name under 100 characters.');
export const statusSchema = z.enum(tenantStatuses, {
  message: `Use one of: ${tenantStatuses.join(', ')}.`,
});
export const reasonSchema = z
  .string()
  .trim()
  .min(3, 'Give a reason (it goes into the audit trail).')
  .max(500, 'Keep the reason under 500 characters.');

export const provisionTenantInput = z.object({
  slug: slugSchema,
  name: tenantNameSchema,
  ownerEmail: emailSchema,
  ownerPassword: newPasswordSchema.optional(),
  plan: planIdSchema.default('free'),
  metadata: metadataSchema.default({}),
  apiKey: z
    .object({
      name: z.string().trim().min(1).max(100),
      scopes: z.array(z.enum(apiScopes)).min(1),
    })
    .optional()
    .describe('A first API key for the tenant, returned once in the response.'),
});
export type ProvisionTenantInput = z.output<typeof provisionTenantInput>;

export const updateTenantInput = z
  .object({
    name: tenantNameSchema.optional(),
    status: statusSchema.optional(),
    reason: reasonSchema.optional().describe('Why the status changes; required with status.'),
    plan: planIdSchema.optional(),
    metadata: metadataSchema.optional().describe('Replaces the whole metadata object.'),
    features: featureOverridesSchema.optional().describe('Replaces the feature overrides.'),
    limits: limitOverridesSchema.optional().describe('Replaces the limit overrides.'),
    overage: overageOverridesSchema
      .optional()
      .describe(
        'Replaces the overage policy overrides; `{}` returns every allowance to the plan’s.',
      ),
  })
  .strict()
  .refine((value) => value.status === undefined || value.reason !== undefined, {
    path: ['reason'],
    message: 'Give a reason for the status change.',
  });
export type UpdateTenantInput = z.output<typeof updateTenantInput>;

export const tenantSortFields = ['created', 'name', 'slug'] as const;
export const listTenantsInput = z.object({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .transform((value) => value || undefined),
  status: statusSchema.optional(),
  plan: planIdSchema.optional(),
  sort: z.enum(tenantSortFields).default('created'),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type ListTenantsInput = z.output<typeof listTenantsInput>;
