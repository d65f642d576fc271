import { describe, expect, it } from 'vitest';
import {
  allocateCost,
  centsToDollars,
  costFlags,
  dollarsToCents,
  marginOf,
  parsePeriod,
  periodKey,
  planCarries,
  quoteOtherPlans,
  recentPeriods,
  resourceQuantities,
  storageGbMonths,
  totalsOf,
  unitCostsInput,
  type TenantCostDTO,
} from './costs';

const GB = 1024 ** 3;
const DAY = 24 * 3_600_000;
const now = new Date('2026-11-20T12:00:00Z');

describe('dollarsToCents and centsToDollars', () => {
  it('moves the decimal point in the text, so no float noise creeps in', () => {
    expect(dollarsToCents('0.023')).toBe(2.3);
    expect(dollarsToCents('12')).toBe(1200);
    expect(dollarsToCents(' $1.5 ')).toBe(150);
    expect(dollarsToCents('0.000001')).toBe(0.0001);
    expect(dollarsToCents('0.09')).toBe(9);
    expect(dollarsToCents('0')).toBe(0);
  });

  it('refuses what is not a plain non-negative amount', () => {
    for (const text of ['', 'abc', '-1', '1e3', '0.0000001', '1,5', '1.2.3'])
      expect(dollarsToCents(text)).toBeNull();
  });

  it('shows cents as the dollars an operator would type', () => {
    expect(centsToDollars(2.3)).toBe('0.023');
    expect(centsToDollars(1200)).toBe('12');
    expect(centsToDollars(1000)).toBe('10');
    expect(centsToDollars(0)).toBe('0');
    expect(centsToDollars(0.0001)).toBe('0.000001');
  });
});

describe('unitCostsInput', () => {
  const valid = {
    storage_gb_month: '0.023',
    requests_million: '0.4',
    compute_hour: '0.05',
    egress_gb: '0.09',
  };

  it('turns the form’s dollars into cents', () => {
    expect(unitCostsInput.parse(valid)).toEqual({
      storage_gb_month: 2.3,
      requests_million: 40,
      compute_hour: 5,
      egress_gb: 9,
    });
  });

  it('names the field that is missing, malformed or too large', () => {
    const result = unitCostsInput.safeParse({
      ...valid,
      compute_hour: '',
      egress_gb: 'lots',
      storage_gb_month: '10001',
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(paths).toEqual([
      ['storage_gb_month', 'At most $10,000 per unit.'],
      ['compute_hour', expect.stringMatching(/Enter an amount/)],
      ['egress_gb', expect.stringMatching(/six decimal places/)],
    ]);
  });
});

describe('storageGbMonths', () => {
  const month = 30 * DAY;

  it('is the mean stored GiB times the share of the month covered', () => {
    expect(storageGbMonths({ meanBytes: 2 * GB, coveredMs: 15 * DAY, periodMs: month })).toBe(1);
    expect(storageGbMonths({ meanBytes: 3 * GB, coveredMs: month, periodMs: month })).toBe(3);
  });

  it('is 0 without samples, and never counts more than the whole month', () => {
    expect(storageGbMonths({ meanBytes: null, coveredMs: month, periodMs: month })).toBe(0);
    expect(storageGbMonths({ meanBytes: GB, coveredMs: 2 * month, periodMs: month })).toBe(1);
    expect(storageGbMonths({ meanBytes: GB, coveredMs: -DAY, periodMs: month })).toBe(0);
  });
});

describe('resourceQuantities and allocateCost', () => {
  const quantities = resourceQuantities({
    apiCalls: 2_500_000,
    computeMs: 5_400_000,
    egressBytes: 10 * GB,
    storage: { meanBytes: 4 * GB, coveredMs: 30 * DAY, periodMs: 30 * DAY },
  });

  it('converts usage to the units costs are quoted per', () => {
    expect(quantities).toEqual({
      storage_gb_month: 4,
      requests_million: 2.5,
      compute_hour: 1.5,
      egress_gb: 10,
    });
  });

  it('multiplies by the unit costs, keeping fractions of a cent', () => {
    const cost = allocateCost(quantities, {
      storage_gb_month: 2.3,
      requests_million: 40,
      compute_hour: 5,
      egress_gb: 9,
    });
    expect(cost.byResource).toEqual({
      storage_gb_month: 9.2,
      requests_million: 100,
      compute_hour: 7.5,
      egress_gb: 90,
    });
    expect(cost.total).toBeCloseTo(206.7, 10);
  });
});

describe('plan fit', () => {
  it('a plan cannot carry usage past one of its `block` allowances', () => {
    // Free blocks egress at 1 GB: 2 GB would have been refused there.
    expect(planCarries('free', { egress_bytes: 2 * GB }, now)).toBe(false);
    expect(planCarries('free', { egress_bytes: GB }, now)).toBe(true);
    // Members are blocked on every plan: five members do not fit Free's three.
    expect(planCarries('free', { active_members: 5 }, now)).toBe(false);
    expect(planCarries('pro', { active_members: 5, egress_bytes: 500 * GB }, now)).toBe(true);
  });

  it('a plan without API access cannot carry API calls', () => {
    expect(planCarries('free', { api_calls: 1 }, now)).toBe(false);
    expect(planCarries('pro', { api_calls: 1 }, now)).toBe(true);
  });

  it('rates the usage under every other plan with that plan’s own allowances', () => {
    const quotes = quoteOtherPlans('business', { api_calls: 1_500_000 }, now);
    expect(quotes).toEqual([
      { plan: 'free', total: 0, fits: false },
      // 500,000 calls past Pro's million: 50 blocks of 10,000 at 50 cents.
      { plan: 'pro', total: 4_900 + 2_500, fits: true },
      { plan: 'enterprise', total: 199_900, fits: true },
    ]);
  });

  it('flags the cheapest plan that fits and costs less than the tenant pays', () => {
    const quotes = quoteOtherPlans('business', { api_calls: 1_500_000 }, now);
    expect(costFlags({ revenue: 29_900, cost: 100, quotes })).toEqual([
      { kind: 'cheaper_plan', plan: 'pro', total: 7_400, saving: 22_500 },
    ]);
  });

  it('suggests a bigger plan when the overage costs more than its base', () => {
    // 29 million calls past Pro's allowance: 2,900 blocks; Business includes 10 million.
    const figures = { api_calls: 30_000_000 };
    const quotes = quoteOtherPlans('pro', figures, now);
    expect(costFlags({ revenue: 4_900 + 145_000, cost: 0, quotes })).toEqual([
      { kind: 'cheaper_plan', plan: 'business', total: 129_900, saving: 20_000 },
    ]);
  });

  it('never suggests a plan whose `block` policy would have refused the usage', () => {
    // Free would cost nothing, but refuses egress past 1 GB.
    const quotes = quoteOtherPlans('pro', { egress_bytes: 2 * GB }, now);
    expect(costFlags({ revenue: 4_900, cost: 0, quotes })).toEqual([]);
    // Within Free's allowances, Free is the cheaper fit.
    const small = quoteOtherPlans('pro', { egress_bytes: GB / 2 }, now);
    expect(costFlags({ revenue: 4_900, cost: 0, quotes: small })).toEqual([
      { kind: 'cheaper_plan', plan: 'free', total: 0, saving: 4_900 },
    ]);
  });

  it('flags a loss when the allocated cost is above the revenue', () => {
    expect(costFlags({ revenue: 0, cost: 0.5, quotes: [] })).toEqual([{ kind: 'loss', loss: 0.5 }]);
    expect(costFlags({ revenue: 100, cost: 100, quotes: [] })).toEqual([]);
  });
});

describe('marginOf', () => {
  it('is revenue less cost, and its share of the revenue', () => {
    expect(marginOf(4_900, 1_225)).toEqual({ margin: 3_675, percent: 75 });
    expect(marginOf(0, 10)).toEqual({ margin: -10, percent: null });
  });
});

describe('periods', () => {
  it('reads ?period=YYYY-MM, falling back to the current month', () => {
    expect(periodKey(parsePeriod('2026-03', now))).toBe('2026-03');
    expect(parsePeriod(['2025-12'], now)).toEqual({
      start: new Date('2025-12-01T00:00:00Z'),
      end: new Date('2026-01-01T00:00:00Z'),
    });
    for (const value of [undefined, '', '2026-13', '2026-1', '2027-01', '1999-12', 'x'])
      expect(periodKey(parsePeriod(value, now))).toBe('2026-11');
  });

  it('lists the current month and the eleven before it, newest first', () => {
    const periods = recentPeriods(now);
    expect(periods).toHaveLength(12);
    expect(periods.map(periodKey).slice(0, 3)).toEqual(['2026-11', '2026-10', '2026-09']);
    expect(periodKey(periods[11]!)).toBe('2025-12');
  });
});

describe('totalsOf', () => {
  const row = (revenue: number, cost: number, flags: TenantCostDTO['flags']): TenantCostDTO => ({
    tenantId: String(revenue),
    slug: 's',
    name: 'n',
    status: 'active',
    plan: 'pro',
    quantities: { storage_gb_month: 1, requests_million: 0, compute_hour: 0, egress_gb: 0 },
    cost: {
      byResource: { storage_gb_month: cost, requests_million: 0, compute_hour: 0, egress_gb: 0 },
      total: cost,
    },
    revenue,
    margin: revenue - cost,
    marginPercent: null,
    flags,
  });

  it('sums every tenant, with the margin % of the summed revenue', () => {
    const totals = totalsOf([
      row(4_900, 900, [{ kind: 'cheaper_plan', plan: 'free', total: 0, saving: 4_900 }]),
      row(0, 100, [{ kind: 'loss', loss: 100 }]),
    ]);
    expect(totals).toMatchObject({
      revenue: 4_900,
      margin: 3_900,
      cheaperPlan: 1,
      loss: 1,
      quantities: { storage_gb_month: 2 },
      cost: { total: 1_000, byResource: { storage_gb_month: 1_000 } },
    });
    expect(totals.marginPercent).toBeCloseTo(79.59, 2);
    expect(totalsOf([])).toMatchObject({ revenue: 0, margin: 0, marginPercent: null });
  });
});
