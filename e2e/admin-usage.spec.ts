import { eq } from 'drizzle-orm';
import type { Locator, Page } from '@playwright/test';
import { tenants, usageRollups } from '@/db/schema';
import { ROOT_URL } from './support/env';
import { expect, fillSignInForm, test, type TestOperator } from './fixtures';

// The operator console lives on the root domain.
test.use({ baseURL: ROOT_URL });

async function signInAsOperator(
  page: Page,
  operator: Pick<TestOperator, 'email' | 'password'>,
): Promise<void> {
  await page.goto('/admin/sign-in');
  await fillSignInForm(page, operator);
  await expect(page).toHaveURL(`${ROOT_URL}/admin`);
}

/** Where in a table's rows the row naming `slug` is (-1 when absent). */
async function rowIndex(table: Locator, slug: string): Promise<number> {
  const texts = await table.getByRole('row').allInnerTexts();
  return texts.findIndex((text) => text.includes(slug));
}

test('an operator sees usage across tenants, nearest their limits first, and sorts it', async ({
  page,
  factory,
  db,
}) => {
  // Two free tenants far past an API-call allowance of 10 this month (the e2e database holds
  // other tenants too, so the shares are large enough to lead the "nearest" list).
  const heavy = await factory.tenant({ plan: 'free', name: 'E2E Heavy Usage Ltd' });
  const light = await factory.tenant({ plan: 'free', name: 'E2E Light Usage Ltd' });
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  await db.platform(async (tx) => {
    await tx
      .update(tenants)
      .set({
        limitOverrides: { api_calls_per_month: 10 },
        overageOverrides: { api_calls_per_month: 'notify' },
      })
      .where(eq(tenants.id, heavy.id));
    await tx
      .update(tenants)
      .set({ limitOverrides: { api_calls_per_month: 10 } })
      .where(eq(tenants.id, light.id));
    await tx.insert(usageRollups).values([
      {
        tenantId: heavy.id,
        metric: 'api_calls',
        granularity: 'month',
        bucketStart: month,
        value: 9_000_000,
        events: 9_000_000,
      },
      {
        tenantId: light.id,
        metric: 'api_calls',
        granularity: 'month',
        bucketStart: month,
        value: 4_000_000,
        events: 4_000_000,
      },
    ]);
  });
  const operator = await factory.operator();
  await signInAsOperator(page, operator);

  await test.step('the console header links to the usage view', async () => {
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Usage' })
      .click();
    await expect(page).toHaveURL(`${ROOT_URL}/admin/usage`);
    await expect(page.getByRole('heading', { name: 'Usage', level: 1 })).toBeVisible();
  });

  await test.step('the tenants nearest their limits come first, with the allowance and policy', async () => {
    const nearest = page.getByRole('table', { name: /nearest their limits/ });
    const heavyRow = nearest.getByRole('row').filter({ hasText: heavy.slug });
    await expect(heavyRow).toContainText('API calls');
    await expect(heavyRow).toContainText('9,000,000 calls / 10 calls');
    await expect(heavyRow).toContainText('90,000,000%');
    await expect(heavyRow).toContainText('Notify');
    const lightRow = nearest.getByRole('row').filter({ hasText: light.slug });
    await expect(lightRow).toContainText('40,000,000%');
    await expect(lightRow).toContainText('Block');
    expect(await rowIndex(nearest, heavy.slug)).toBeLessThan(await rowIndex(nearest, light.slug));
  });

  const table = page.getByRole('table', { name: /^Usage by tenant/ });
  const apiCalls = table.getByRole('columnheader', { name: /^API calls/ });
  const tenantColumn = table.getByRole('columnheader', { name: /^Tenant/ });

  await test.step('by default the table is sorted by tenant, A–Z', async () => {
    await expect(tenantColumn).toHaveAttribute('aria-sort', 'ascending');
    await expect(apiCalls).not.toHaveAttribute('aria-sort');
    expect(await rowIndex(table, heavy.slug)).toBeLessThan(await rowIndex(table, light.slug));
    const heavyRow = table.getByRole('row').filter({ hasText: heavy.slug });
    await expect(heavyRow).toContainText('Free');
    await expect(heavyRow).toContainText('Active');
  });

  await test.step('a column heading sorts by that column, the largest share first', async () => {
    await apiCalls.getByRole('link').click();
    await expect(page).toHaveURL(`${ROOT_URL}/admin/usage?sort=api_calls_per_month&dir=desc`);
    await expect(apiCalls).toHaveAttribute('aria-sort', 'descending');
    await expect(tenantColumn).not.toHaveAttribute('aria-sort');
    expect(await rowIndex(table, light.slug)).toBeGreaterThan(await rowIndex(table, heavy.slug));
  });

  await test.step('the same heading again reverses the order', async () => {
    await apiCalls.getByRole('link').click();
    await expect(page).toHaveURL(`${ROOT_URL}/admin/usage?sort=api_calls_per_month&dir=asc`);
    await expect(apiCalls).toHaveAttribute('aria-sort', 'ascending');
    expect(await rowIndex(table, light.slug)).toBeLessThan(await rowIndex(table, heavy.slug));
  });

  await test.step('a tenant links to its console page, showing its overage policy override', async () => {
    await table.getByRole('link', { name: heavy.name }).click();
    await expect(page).toHaveURL(`${ROOT_URL}/admin/tenants/${heavy.id}`);
    const policies = page.getByRole('table', { name: 'Overage policies in effect' });
    const apiRow = policies.getByRole('row').filter({ hasText: 'api_calls_per_month' });
    await expect(apiRow).toContainText('Notify');
    await expect(apiRow).toContainText('Override');
    await expect(page.getByLabel('API calls per month: overage')).toHaveValue('notify');
  });

  await test.step('the overrides form sets the policy back to the plan’s', async () => {
    await page.getByLabel('API calls per month: overage').selectOption('plan');
    await page.getByLabel('Storage (bytes): overage').selectOption('allow');
    await page.getByRole('button', { name: 'Save overrides' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Overrides saved.' })).toBeVisible();
    const [row] = await db.platform((tx) =>
      tx
        .select({ overage: tenants.overageOverrides })
        .from(tenants)
        .where(eq(tenants.id, heavy.id)),
    );
    expect(row?.overage).toEqual({ storage_bytes: 'allow' });
    expect(await db.auditEventsOf(heavy.id)).toContainEqual(
      expect.objectContaining({
        action: 'tenant.overrides_updated',
        actorType: 'operator',
        actorId: operator.id,
        metadata: expect.objectContaining({
          after: expect.objectContaining({ overage: { storage_bytes: 'allow' } }),
        }),
      }),
    );
  });
});
