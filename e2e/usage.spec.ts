import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { APIRequestContext, APIResponse, BrowserContext, Page } from '@playwright/test';
import { usageEvents, usageNotifications } from '@/db/schema';
import { expect, openSettingsSection, sessionCookie, test, type TestTenant } from './fixtures';
import type { E2EDatabase } from './support/database';
import { E2E_PORT } from './support/env';
import { runServerJob } from './support/jobs';

const GB = 1024 ** 3;

/**
 * This month's usage for a pro tenant, stamped a little before now (never before the month's
 * start): API calls past the allowance on three routes, egress at 90 % and a few feature uses.
 * The server's notice job may write the 100 % notice itself, so ours yields to it.
 */
async function seedUsage(db: E2EDatabase, tenant: TestTenant): Promise<void> {
  const now = Date.now();
  const monthStart = new Date(now);
  monthStart.setUTCDate(1);
  monthStart.setUTCHours(0, 0, 0, 0);
  const occurredAt = new Date(Math.max(now - 120_000, monthStart.getTime()));
  const event = (metric: string, value: number, properties: Record<string, string> = {}) => ({
    tenantId: tenant.id,
    metric,
    value,
    occurredAt,
    properties,
    idempotencyKey: randomUUID(),
    source: 'system' as const,
  });
  await db.platform(async (tx) => {
    await tx
      .insert(usageEvents)
      .values([
        event('api_calls', 600_000, { route: 'listDocuments' }),
        event('api_calls', 300_000, { route: 'getDocument' }),
        event('api_calls', 150_000, { route: 'createDocument' }),
        event('egress_bytes', 90 * GB, { route: 'listDocuments' }),
        event('feature_usage', 25, { feature: 'csv_import' }),
      ]);
    await tx
      .insert(usageNotifications)
      .values({
        tenantId: tenant.id,
        metric: 'api_calls',
        periodStart: monthStart,
        threshold: 100,
        used: 1_050_000,
        allowance: 1_000_000,
        policy: 'allow',
      })
      .onConflictDoNothing();
  });
  await runServerJob('@/lib/metering/rollup', 'refreshUsageRollups', { wait: true });
}

/** A GET on the tenant's host from outside the browser, with the browser's session when given. */
async function hostGet(
  request: APIRequestContext,
  origin: string,
  url: string,
  options: { context?: BrowserContext; headers?: Record<string, string> } = {},
): Promise<APIResponse> {
  const headers: Record<string, string> = { Host: new URL(origin).host, ...options.headers };
  if (options.context) {
    const cookie = await sessionCookie(options.context, origin);
    headers.Cookie = `${cookie.name}=${cookie.value}`;
  }
  return request.get(`http://127.0.0.1:${E2E_PORT}${url}`, { headers, maxRedirects: 0 });
}

function allowance(page: Page, label: string) {
  return page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: label, exact: true }) });
}

test('an owner sees allowances, the chart and top routes, switches granularity and downloads the CSV', async ({
  page,
  context,
  request,
  tenant,
  signedInOwner,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  expect(tenant.plan).toBe('pro');
  await seedUsage(db, tenant);

  await test.step('open Settings → Usage', async () => {
    await openSettingsSection(page, { link: 'Usage', path: '/settings/usage', heading: 'Usage' });
    await expect(page.getByText('No usage yet.')).toHaveCount(0);
  });

  await test.step('allowances: used against allowance, bars coloured by level', async () => {
    const calls = allowance(page, 'API calls per month');
    const callsBar = calls.getByRole('progressbar', { name: 'API calls per month' });
    await expect(callsBar).toHaveAttribute('aria-valuenow', '100');
    await expect(callsBar).toHaveAttribute(
      'aria-valuetext',
      '1,050,000 calls of 1,000,000 calls (105 %)',
    );
    await expect(callsBar.locator('div')).toHaveClass(/bg-red-600/);
    await expect(calls).toContainText('Used up');
    await expect(calls).toContainText(/Over by\s*50,000 calls/);
    await expect(calls).toContainText('billed as overage');
    await expect(calls).toContainText(/Resets\s*\d{1,2} \w+ \d{4}, 00:00 UTC/);
    await expect(calls).toContainText('Expected to go over the allowance.');

    const egress = allowance(page, 'Network egress (bytes) per month');
    const egressBar = egress.getByRole('progressbar');
    await expect(egressBar).toHaveAttribute('aria-valuenow', '90');
    await expect(egressBar.locator('div')).toHaveClass(/bg-amber-500/);
    await expect(egress).toContainText('90 GB of 100 GB');
    await expect(egress).toContainText('Nearly used up');

    const features = allowance(page, 'Metered feature uses per month');
    await expect(features.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
    await expect(features.getByRole('progressbar').locator('div')).toHaveClass(/bg-emerald-600/);
    await expect(features).toContainText('25 uses of 10,000 uses');

    // Gauges have no reset and no forecast; members past the allowance are refused on pro.
    const members = allowance(page, 'Members');
    await expect(members).toContainText('refused until usage goes down');
    await expect(members).not.toContainText('Resets');
    await expect(allowance(page, 'Storage (bytes)')).toContainText('admins are told by e-mail');

    await expect(page.getByRole('region', { name: 'Allowance notices this period' })).toContainText(
      'API calls per month: 100 % reached — 1,050,000 calls of 1,000,000 calls.',
    );
  });

  await test.step('a chart of daily API calls, with its figures as a table', async () => {
    const chart = page.getByRole('img', { name: /^Bar chart: API calls \(calls\) per day/ });
    await expect(chart).toBeVisible();
    await expect(chart.locator('.recharts-rectangle').first()).toBeVisible();
    await expect(page.getByLabel('Metric')).toHaveValue('api_calls');
    await expect(page.getByLabel('Granularity')).toHaveValue('day');
    await page.getByText('Show the figures as a table').click();
    const table = page.getByRole('table', { name: /API calls \(calls\) per day/ });
    await expect(table.getByRole('row')).toHaveCount(32); // header + 31 days
    await expect(table.getByRole('row').filter({ hasText: '1,050,000 calls' })).toHaveCount(1);
  });

  await test.step('top API routes of the month, with their share', async () => {
    const routes = page.getByRole('table', { name: /^Top API routes/ });
    const rows = routes.getByRole('row');
    await expect(rows).toHaveCount(4);
    await expect(rows.nth(1)).toContainText('listDocuments');
    await expect(rows.nth(1)).toContainText('600,000 calls');
    await expect(rows.nth(1)).toContainText('57.1 %');
    await expect(rows.nth(2)).toContainText('getDocument');
    await expect(rows.nth(2)).toContainText('28.6 %');
    await expect(rows.nth(3)).toContainText('createDocument');
    await expect(rows.nth(3)).toContainText('14.3 %');
  });

  await test.step('switch to hourly', async () => {
    await page.getByLabel('Granularity').selectOption('hour');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page).toHaveURL('/settings/usage?metric=api_calls&granularity=hour');
    await expect(
      page.getByRole('img', { name: /^Bar chart: API calls \(calls\) per hour/ }),
    ).toBeVisible();
    await page.getByText('Show the figures as a table').click();
    const table = page.getByRole('table', { name: /API calls \(calls\) per hour/ });
    await expect(table.getByRole('row')).toHaveCount(49); // header + 48 hours
    await expect(page.getByRole('link', { name: 'Download CSV' })).toHaveAttribute(
      'href',
      '/settings/usage/export.csv?metric=api_calls&granularity=hour',
    );
  });

  await test.step('download the hourly series as CSV', async () => {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(file.suggestedFilename()).toMatch(
      new RegExp(`^usage-${tenant.slug}-api_calls-hour-\\d{4}-\\d{2}-\\d{2}\\.csv$`),
    );
    const lines = (await readFile(await file.path(), 'utf8')).split('\r\n');
    expect(lines[0]).toBe('bucket_start,value,events');
    expect(lines).toHaveLength(50); // header, 48 hours, the final CRLF
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1).map((line) => line.split(','));
    for (const [bucket] of rows) expect(bucket).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/);
    expect(rows.filter(([, value]) => value !== '0')).toEqual([
      [expect.any(String), '1050000', '3'],
    ]);
  });

  await test.step('another metric, monthly', async () => {
    await page.getByLabel('Metric').selectOption('egress_bytes');
    await page.getByLabel('Granularity').selectOption('month');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page).toHaveURL('/settings/usage?metric=egress_bytes&granularity=month');
    await expect(
      page.getByRole('img', { name: /^Bar chart: Network egress \(bytes\) per month/ }),
    ).toBeVisible();
    await expect(page.getByText(/Total in this range: 90 GB\./)).toBeVisible();
    const csv = await hostGet(
      request,
      tenant.origin,
      '/settings/usage/export.csv?metric=egress_bytes&granularity=month',
      { context },
    );
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers()['cache-control']).toBe('no-store');
    const lines = (await csv.text()).split('\r\n');
    expect(lines).toHaveLength(14); // header, 12 months, the final CRLF
    expect(lines[12]).toMatch(new RegExp(`^\\d{4}-\\d{2}-01T00:00:00\\.000Z,${90 * GB},1$`));
  });

  await test.step('refused: another site, bad parameters, no session', async () => {
    const crossSite = await hostGet(request, tenant.origin, '/settings/usage/export.csv', {
      context,
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(crossSite.status()).toBe(403);
    const bad = await hostGet(request, tenant.origin, '/settings/usage/export.csv?metric=nope', {
      context,
    });
    expect(bad.status()).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_input' } });
    const signedOut = await hostGet(request, tenant.origin, '/settings/usage/export.csv');
    expect(signedOut.status()).toBe(401);
    expect(await signedOut.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });
});

test('a new tenant’s owner sees the allowances and an empty state', async ({
  page,
  signedInOwner,
}) => {
  expect(signedInOwner.role).toBe('owner');
  await page.goto('/settings/usage');
  await expect(page.getByRole('heading', { name: 'Usage', level: 1 })).toBeVisible();
  await expect(page.getByText('No usage yet.')).toBeVisible();
  await expect(allowance(page, 'API calls per month').getByRole('progressbar')).toHaveAttribute(
    'aria-valuenow',
    '0',
  );
  await expect(page.getByRole('img', { name: /^Bar chart/ })).toHaveCount(0);
  await expect(page.getByRole('table', { name: /^Top API routes/ })).toHaveCount(0);
});

test('a member can neither open the usage page nor download it', async ({
  page,
  context,
  request,
  tenant,
  signedInMember,
}) => {
  expect(signedInMember.role).toBe('member');
  await page.goto('/settings/members');
  await expect(page.getByRole('heading', { name: 'Members', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Usage' })).toHaveCount(0);

  await page.goto('/settings/usage');
  await expect(
    page.getByRole('heading', { name: 'You don’t have access to this page' }),
  ).toBeVisible();
  await expect(page.getByRole('progressbar')).toHaveCount(0);

  const refused = await hostGet(request, tenant.origin, '/settings/usage/export.csv', { context });
  expect(refused.status()).toBe(403);
  expect(refused.headers()['content-disposition']).toBeUndefined();
  expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
});
