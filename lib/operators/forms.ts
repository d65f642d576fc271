import { z } from 'zod';
import {
  featureNames,
  featureOverridesSchema,
  limitNames,
  limitOverridesSchema,
  meteredLimitNames,
  overageOverridesSchema,
  overagePolicies,
  planIdSchema,
  type OveragePolicy,
} from '@/lib/plans';
import {
  metadataSchema,
  provisionTenantInput,
  reasonSchema,
  statusSchema,
  type UpdateTenantInput,
} from '@/lib/tenancy';

/**
 * The operator console's forms. Each parses FormData fields (as lib/actions hands them over)
 * into `{ id, changes }` for lib/tenancy's updateTenant, with errors keyed by the field that
 * caused them so the form can show each one beside its control.
 */

export const tenantIdSchema = z.uuid({ message: 'This tenant does not exist.' });

export type TenantChange = { id: string; changes: UpdateTenantInput };

type Fields = Record<string, unknown>;
type Context = z.RefinementCtx;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

function fieldIssue(ctx: Context, field: string, message: string): void {
  // One path segment with dots in it: fieldErrorsOf joins segments with '.', so the key is the field's name.
  ctx.addIssue({ code: 'custom', path: [field], message });
}

export const changeStatusForm = z
  .object({
    id: tenantIdSchema,
    status: statusSchema,
    reason: reasonSchema,
    confirm: z.literal('on', { message: 'Tick the box to confirm the change.' }),
  })
  .transform(({ id, status, reason }): TenantChange => ({ id, changes: { status, reason } }));

export const changePlanForm = z
  .object({ id: tenantIdSchema, plan: planIdSchema })
  .transform(({ id, plan }): TenantChange => ({ id, changes: { plan } }));

export const featureChoices = ['plan', 'on', 'off'] as const;
export const limitModes = ['plan', 'custom', 'unlimited'] as const;
export const overageChoices = ['plan', ...overagePolicies] as const;

const isOveragePolicy = (value: string): value is OveragePolicy =>
  (overagePolicies as readonly string[]).includes(value);

/**
 * Per feature `feature.<name>` = plan | on | off; per limit `limitMode.<name>` = plan | custom |
 * unlimited and `limitValue.<name>` the custom number; per metered limit `overage.<name>` = plan
 * | block | allow | notify. Replaces all three override sets.
 */
export const overridesForm = z
  .looseObject({ id: tenantIdSchema })
  .transform((fields: Fields & { id: string }, ctx): TenantChange => {
    const features: Record<string, boolean> = {};
    for (const feature of featureNames) {
      const choice = text(fields[`feature.${feature}`]) ?? 'plan';
      if (choice === 'on' || choice === 'off') features[feature] = choice === 'on';
      else if (choice !== 'plan')
        fieldIssue(ctx, `feature.${feature}`, 'Choose the plan’s default, on or off.');
    }
    const limits: Record<string, number | null> = {};
    for (const limit of limitNames) {
      const mode = text(fields[`limitMode.${limit}`]) ?? 'plan';
      if (mode === 'unlimited') {
        limits[limit] = null;
      } else if (mode === 'custom') {
        const raw = (text(fields[`limitValue.${limit}`]) ?? '').trim().replace(/[,_\s]/g, '');
        const value = Number(raw);
        if (!/^\d+$/.test(raw))
          fieldIssue(ctx, `limitValue.${limit}`, 'Enter a whole number, 0 or more.');
        else if (!Number.isSafeInteger(value))
          fieldIssue(ctx, `limitValue.${limit}`, 'That number is too large.');
        else limits[limit] = value;
      } else if (mode !== 'plan') {
        fieldIssue(ctx, `limitMode.${limit}`, 'Choose the plan’s default, a number or unlimited.');
      }
    }
    const overage: Record<string, OveragePolicy> = {};
    for (const limit of meteredLimitNames) {
      const choice = text(fields[`overage.${limit}`]) ?? 'plan';
      if (isOveragePolicy(choice)) overage[limit] = choice;
      else if (choice !== 'plan')
        fieldIssue(ctx, `overage.${limit}`, 'Choose the plan’s default, block, allow or notify.');
    }
    if (ctx.issues.length > 0) return z.NEVER;
    return {
      id: fields.id,
      changes: {
        features: featureOverridesSchema.parse(features),
        limits: limitOverridesSchema.parse(limits),
        overage: overageOverridesSchema.parse(overage),
      },
    };
  });

const MAX_ROWS = 200;
const ROW_FIELD = /^meta(Key|Value)\.(\d{1,3})$/;

/**
 * Metadata rows `metaKey.<i>` / `metaValue.<i>`; a row with neither is ignored. Keys and values
 * are checked with metadataSchema's own key and value rules (errors on the row's field), then
 * the whole object with metadataSchema (size and count, errors on `metadata`). Replaces all keys.
 */
export const metadataForm = z
  .looseObject({ id: tenantIdSchema })
  .transform((fields: Fields & { id: string }, ctx): TenantChange => {
    const indexes = new Set<number>();
    for (const name of Object.keys(fields)) {
      const match = ROW_FIELD.exec(name);
      if (match) indexes.add(Number(match[2]));
    }
    if (indexes.size > MAX_ROWS) {
      fieldIssue(ctx, 'metadata', `Use at most ${MAX_ROWS} rows.`);
      return z.NEVER;
    }
    const metadata: Record<string, string> = {};
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const keyField = `metaKey.${index}`;
      const valueField = `metaValue.${index}`;
      const key = (text(fields[keyField]) ?? '').trim();
      const value = (text(fields[valueField]) ?? '').trim();
      if (!key && !value) continue;
      if (!key) {
        fieldIssue(ctx, keyField, 'Enter a key, or remove the row.');
        continue;
      }
      const validKey = metadataSchema.keyType.safeParse(key);
      if (!validKey.success)
        fieldIssue(ctx, keyField, validKey.error.issues[0]?.message ?? 'This key is not valid.');
      else if (Object.hasOwn(metadata, key))
        fieldIssue(ctx, keyField, 'This key is used twice: keep one row.');
      const validValue = metadataSchema.valueType.safeParse(value);
      if (!validValue.success)
        fieldIssue(
          ctx,
          valueField,
          validValue.error.issues[0]?.message ?? 'This value is not valid.',
        );
      if (validKey.success && validValue.success) metadata[key] = value;
    }
    if (ctx.issues.length > 0) return z.NEVER;
    const whole = metadataSchema.safeParse(metadata);
    if (!whole.success) {
      for (const issue of whole.error.issues) fieldIssue(ctx, 'metadata', issue.message);
      return z.NEVER;
    }
    return { id: fields.id, changes: { metadata: whole.data } };
  });

/**
 * The console's "New tenant" form: provisionTenantInput with an empty password meaning none
 * (the owner then has an account that cannot sign in until a password is set).
 */
export const provisionTenantForm = z.preprocess(
  (fields) =>
    fields && typeof fields === 'object' && (fields as Fields).ownerPassword === ''
      ? { ...(fields as Fields), ownerPassword: undefined }
      : fields,
  provisionTenantInput,
);
