import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { meteredLimitNames, plans } from '@/lib/plans';
import { entitlementBreakdown, formatLimit, overagePolicyLabels } from './entitlements';
import {
  changePlanForm,
  changeStatusForm,
  metadataForm,
  overageChoices,
  overridesForm,
  provisionTenantForm,
} from './forms';

const id = randomUUID();

function errorsOf(result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
}) {
  const fields: Record<string, string[]> = {};
  for (const issue of result.error?.issues ?? [])
    (fields[issue.path.join('.')] ??= []).push(issue.message);
  return fields;
}

describe('changeStatusForm', () => {
  it('needs a status, a reason and the confirmation', () => {
    expect(
      changeStatusForm.parse({
        id,
        status: 'suspended',
        reason: '  Unpaid invoices ',
        confirm: 'on',
      }),
    ).toEqual({
      id,
      changes: { status: 'suspended', reason: 'Unpaid invoices' },
    });
    const refused = changeStatusForm.safeParse({ id, status: 'suspended', reason: '' });
    expect(Object.keys(errorsOf(refused)).sort()).toEqual(['confirm', 'reason']);
    expect(errorsOf(refused).confirm).toEqual(['Tick the box to confirm the change.']);
    expect(
      errorsOf(
        changeStatusForm.safeParse({
          id: 'x',
          status: 'gone',
          reason: 'Fine reason',
          confirm: 'on',
        }),
      ),
    ).toMatchObject({
      id: ['This tenant does not exist.'],
      status: [expect.any(String)],
    });
  });
});

describe('changePlanForm', () => {
  it('takes a plan of the catalogue only', () => {
    expect(changePlanForm.parse({ id, plan: 'business' })).toEqual({
      id,
      changes: { plan: 'business' },
    });
    expect(changePlanForm.safeParse({ id, plan: 'platinum' }).success).toBe(false);
  });
});

describe('overridesForm', () => {
  it('turns per-feature and per-limit choices into the override sets', () => {
    const parsed = overridesForm.parse({
      id,
      'feature.api_access': 'on',
      'feature.custom_branding': 'off',
      'limitMode.members': 'custom',
      'limitValue.members': '1,000',
      'limitMode.documents': 'unlimited',
      'limitValue.documents': 'ignored',
      'limitMode.storage_bytes': 'plan',
      'limitValue.storage_bytes': '5',
    });
    expect(parsed).toEqual({
      id,
      changes: {
        features: { api_access: true, custom_branding: false },
        limits: { members: 1000, documents: null },
        overage: {},
      },
    });
    expect(overridesForm.parse({ id })).toEqual({
      id,
      changes: { features: {}, limits: {}, overage: {} },
    });
  });

  it('sets an overage policy per metered limit, and “plan” clears it', () => {
    expect(
      overridesForm.parse({
        id,
        'overage.api_calls_per_month': 'block',
        'overage.storage_bytes': 'allow',
        'overage.members': 'notify',
        'overage.egress_bytes_per_month': 'plan',
      }),
    ).toEqual({
      id,
      changes: {
        features: {},
        limits: {},
        overage: { api_calls_per_month: 'block', storage_bytes: 'allow', members: 'notify' },
      },
    });
    // Saving with every select on its plan default replaces the overrides with none.
    expect(
      overridesForm.parse({
        id,
        ...Object.fromEntries(meteredLimitNames.map((limit) => [`overage.${limit}`, 'plan'])),
      }).changes.overage,
    ).toEqual({});
    expect(overageChoices).toEqual(['plan', 'block', 'allow', 'notify']);
  });

  it('refuses an unknown overage policy on its select, and ignores non-metered limits', () => {
    const result = overridesForm.safeParse({
      id,
      'overage.api_calls_per_month': 'throttle',
      'overage.compute_ms_per_month': '',
    });
    expect(errorsOf(result)).toEqual({
      'overage.api_calls_per_month': ['Choose the plan’s default, block, allow or notify.'],
      'overage.compute_ms_per_month': ['Choose the plan’s default, block, allow or notify.'],
    });
    expect(overridesForm.parse({ id, 'overage.documents': 'block' }).changes.overage).toEqual({});
  });

  it('puts each error on the control that caused it', () => {
    const result = overridesForm.safeParse({
      id,
      'feature.api_access': 'maybe',
      'limitMode.members': 'custom',
      'limitValue.members': '-3',
      'limitMode.documents': 'custom',
      'limitValue.documents': '99999999999999999999',
      'limitMode.api_calls_per_month': 'lots',
    });
    expect(errorsOf(result)).toEqual({
      'feature.api_access': [expect.any(String)],
      'limitValue.members': ['Enter a whole number, 0 or more.'],
      'limitValue.documents': ['That number is too large.'],
      'limitMode.api_calls_per_month': [expect.any(String)],
    });
  });
});

describe('metadataForm', () => {
  it('collects the rows in order, skipping empty ones', () => {
    expect(
      metadataForm.parse({
        id,
        'metaKey.10': 'region',
        'metaValue.10': 'eu-west ',
        'metaKey.2': 'crm.id',
        'metaValue.2': 'A-17',
        'metaKey.3': ' ',
        'metaValue.3': '',
        unrelated: 'x',
      }),
    ).toEqual({ id, changes: { metadata: { 'crm.id': 'A-17', region: 'eu-west' } } });
    expect(metadataForm.parse({ id })).toEqual({ id, changes: { metadata: {} } });
  });

  it('checks keys and values with metadataSchema’s rules, per row', () => {
    const result = metadataForm.safeParse({
      id,
      'metaKey.0': 'Bad Key',
      'metaValue.0': 'x',
      'metaKey.1': 'note',
      'metaValue.1': 'y'.repeat(501),
      'metaKey.2': '',
      'metaValue.2': 'orphan value',
      'metaKey.3': 'dup',
      'metaValue.3': 'a',
      'metaKey.4': 'dup',
      'metaValue.4': 'b',
    });
    expect(errorsOf(result)).toEqual({
      'metaKey.0': [expect.stringContaining('lowercase letters')],
      'metaValue.1': ['Values are at most 500 characters.'],
      'metaKey.2': ['Enter a key, or remove the row.'],
      'metaKey.4': ['This key is used twice: keep one row.'],
    });
  });

  it('checks the whole object’s size on the form', () => {
    const fields: Record<string, string> = { id };
    for (let i = 0; i < 51; i++) {
      fields[`metaKey.${i}`] = `key${i}`;
      fields[`metaValue.${i}`] = 'v';
    }
    expect(errorsOf(metadataForm.safeParse(fields))).toEqual({ metadata: ['At most 50 keys.'] });
    const tooMany: Record<string, string> = { id };
    for (let i = 0; i < 201; i++) tooMany[`metaKey.${i}`] = '';
    expect(errorsOf(metadataForm.safeParse(tooMany))).toEqual({
      metadata: ['Use at most 200 rows.'],
    });
  });
});

describe('entitlementBreakdown', () => {
  it('says what is in effect and whether the plan or an override decides it', () => {
    const breakdown = entitlementBreakdown({
      plan: 'free',
      featureOverrides: { api_access: true },
      limitOverrides: { members: 50, documents: null, storage_bytes: -1 },
    });
    expect(breakdown.plan).toEqual({ id: 'free', name: 'Free', known: true });
    expect(breakdown.features).toEqual([
      expect.objectContaining({
        feature: 'api_access',
        enabled: true,
        planDefault: false,
        override: true,
        source: 'override',
      }),
      expect.objectContaining({
        feature: 'custom_branding',
        enabled: false,
        planDefault: false,
        override: undefined,
        source: 'plan',
      }),
    ]);
    const byName = Object.fromEntries(breakdown.limits.map((row) => [row.limit, row]));
    expect(byName.members).toMatchObject({
      value: 50,
      planDefault: 3,
      override: 50,
      source: 'override',
    });
    expect(byName.documents).toMatchObject({
      value: null,
      planDefault: 100,
      override: null,
      source: 'override',
    });
    // An invalid stored override is ignored, exactly as limitFor ignores it.
    expect(byName.storage_bytes).toMatchObject({
      value: 100 * 1024 * 1024,
      override: undefined,
      source: 'plan',
    });
  });

  it('says which overage policy is in effect and whether an override decides it', () => {
    const breakdown = entitlementBreakdown({
      plan: 'pro',
      featureOverrides: {},
      limitOverrides: {},
      overageOverrides: {
        api_calls_per_month: 'block',
        // Stored values outside the policies are ignored, as overagePolicyFor ignores them.
        storage_bytes: 'throttle' as never,
      },
    });
    expect(breakdown.overage.map((row) => row.limit)).toEqual(meteredLimitNames);
    const byName = Object.fromEntries(breakdown.overage.map((row) => [row.limit, row]));
    expect(byName.api_calls_per_month).toEqual({
      limit: 'api_calls_per_month',
      label: 'API calls per month',
      policy: 'block',
      planDefault: 'allow',
      override: 'block',
      source: 'override',
    });
    expect(byName.storage_bytes).toMatchObject({
      policy: plans.pro.overage.storage_bytes,
      planDefault: 'notify',
      override: undefined,
      source: 'plan',
    });
    expect(byName.members).toMatchObject({ policy: 'block', source: 'plan' });
    expect(
      entitlementBreakdown({ plan: 'business', featureOverrides: {}, limitOverrides: {} }).overage,
    ).toEqual(
      meteredLimitNames.map((limit) =>
        expect.objectContaining({ policy: plans.business.overage[limit], source: 'plan' }),
      ),
    );
    expect(Object.keys(overagePolicyLabels).sort()).toEqual(['allow', 'block', 'notify']);
  });

  it('names a retired plan by its id and falls back to the free plan’s entitlements', () => {
    const breakdown = entitlementBreakdown({
      plan: 'legacy',
      featureOverrides: {},
      limitOverrides: {},
    });
    expect(breakdown.plan).toEqual({ id: 'legacy', name: 'legacy', known: false });
    expect(breakdown.limits[0]).toMatchObject({ limit: 'members', value: 3 });
  });
});

describe('formatLimit', () => {
  it('formats counts, bytes and unlimited', () => {
    expect(formatLimit('members', null)).toBe('Unlimited');
    expect(formatLimit('api_calls_per_month', 1_000_000)).toBe('1,000,000');
    expect(formatLimit('storage_bytes', 10 * 1024 ** 3)).toBe('10 GB');
    expect(formatLimit('storage_bytes', 1500)).toBe('1,500 bytes');
  });
});

describe('provisionTenantForm', () => {
  const fields = { name: 'New Co', slug: 'new-co', ownerEmail: 'Owner@New.test', plan: 'pro' };

  it('treats an empty password as none and normalises the e-mail', () => {
    expect(provisionTenantForm.parse({ ...fields, ownerPassword: '' })).toEqual({
      name: 'New Co',
      slug: 'new-co',
      ownerEmail: 'owner@new.test',
      plan: 'pro',
      metadata: {},
    });
    expect(
      provisionTenantForm.parse({ ...fields, ownerPassword: 'long-enough-pass' }),
    ).toMatchObject({
      ownerPassword: 'long-enough-pass',
    });
  });

  it('names each bad field', () => {
    const result = provisionTenantForm.safeParse({
      name: '',
      slug: 'Admin',
      ownerEmail: 'x',
      plan: 'gold',
      ownerPassword: 'short',
    });
    expect(new Set(result.error?.issues.map((issue) => String(issue.path[0])))).toEqual(
      new Set(['name', 'slug', 'ownerEmail', 'plan', 'ownerPassword']),
    );
  });
});
