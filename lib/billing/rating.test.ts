import { describe, expect, it } from 'vitest';
import { allowancesOf } from '@/lib/metering';
import { plans, type Entitled } from '@/lib/plans';
import { ratePeriod } from './rating';

const now = new Date('2026-11-20T12:00:00Z');
const GB = 1024 ** 3;

function rate(tenant: Entitled, figures: Record<string, number>) {
  return ratePeriod(tenant, allowancesOf(tenant, figures, now));
}

describe('ratePeriod', () => {
  it('charges only the plan within the allowances', () => {
    expect(rate({ plan: 'pro' }, { api_calls: 999_999, egress_bytes: GB })).toEqual({
      currency: 'usd',
      lines: [
        {
          kind: 'plan',
          description: 'Pro plan',
          quantity: 1,
          unitAmount: 4_900,
          per: 1,
          amount: 4_900,
        },
      ],
      total: 4_900,
    });
  });

  it('bills allowed overage in whole blocks, a part block counting whole', () => {
    const charges = rate({ plan: 'pro' }, { api_calls: 1_000_250, egress_bytes: 102.5 * GB });
    expect(charges.lines.slice(1)).toEqual([
      {
        kind: 'overage',
        description: 'API calls per month: 250 calls past the allowance',
        limit: 'api_calls_per_month',
        quantity: 1,
        unitAmount: 50,
        per: 10_000,
        amount: 50,
      },
      {
        kind: 'overage',
        description: 'Network egress (bytes) per month: 2.5 GB past the allowance',
        limit: 'egress_bytes_per_month',
        quantity: 3,
        unitAmount: 9,
        per: GB,
        amount: 27,
      },
    ]);
    expect(charges.total).toBe(4_900 + 50 + 27);
  });

  it('bills no overage under block or notify, nor for members', () => {
    const over = { api_calls: 2_000_000, storage_bytes: 20 * GB, active_members: 50 };
    // pro: storage is notify, members block; api calls blocked by override.
    const charges = rate({ plan: 'pro', overageOverrides: { api_calls_per_month: 'block' } }, over);
    expect(charges.lines.map((line) => line.kind)).toEqual(['plan']);
    // The same usage with the policies allowing it bills both.
    const allowed = rate(
      { plan: 'pro', overageOverrides: { api_calls_per_month: 'allow', storage_bytes: 'allow' } },
      over,
    );
    expect(allowed.lines.map((line) => [line.limit, line.quantity])).toEqual([
      [undefined, 1],
      ['api_calls_per_month', 100],
      ['storage_bytes', 10],
    ]);
  });

  it('bills nothing on free, and nothing past an unlimited allowance', () => {
    expect(rate({ plan: 'free' }, { api_calls: 50_000 }).total).toBe(0);
    expect(rate({ plan: 'enterprise' }, { api_calls: 1e9 }).total).toBe(
      plans.enterprise.pricing.monthlyAmount,
    );
  });

  it('prices an unknown plan as free, like its entitlements', () => {
    expect(rate({ plan: 'retired' }, { api_calls: 1 })).toMatchObject({
      lines: [{ description: 'Free plan', amount: 0 }],
      total: 0,
    });
  });
});
