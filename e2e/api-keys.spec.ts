import type { APIRequestContext, APIResponse, Page } from '@playwright/test';
import { expect, openSettingsSection, signIn, test } from './fixtures';
import { E2E_PORT } from './support/env';

/**
 * A tenant API call with a bearer key. Node (and so Playwright's `request`) cannot resolve
 * `*.localhost`, so it connects to loopback and names the tenant in the Host header, as any
 * program that cannot resolve the portal's name would.
 */
function apiGet(
  request: APIRequestContext,
  origin: string,
  path: string,
  key: string,
): Promise<APIResponse> {
  return request.get(`http://127.0.0.1:${E2E_PORT}${path}`, {
    headers: { Host: new URL(origin).host, Authorization: `Bearer ${key}` },
  });
}

function keyRow(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

test('an owner creates a key, sees it once, uses it on the API and revokes it', async ({
  page,
  context,
  tenant,
  signedInOwner,
  request,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  expect(tenant.plan).toBe('pro');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tenant.origin });

  await openSettingsSection(page, {
    link: 'API keys',
    path: '/settings/api-keys',
    heading: 'API keys',
  });
  await expect(page.getByText('No API keys yet.')).toBeVisible();

  // Nothing chosen: errors on the fields, no key.
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Check the highlighted fields.' }),
  ).toBeVisible();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Choose at least one scope.' }),
  ).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Name').fill('E2E reader');
  await page.getByLabel('documents:read').check();
  await expect(page.getByLabel('documents:read')).toHaveAccessibleDescription(
    'List documents and read their contents.',
  );
  await page.getByRole('button', { name: 'Create key' }).click();

  const panel = page.getByRole('region', { name: 'Your new API key' });
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('it will not be shown again');
  await expect(page.getByRole('heading', { name: 'Your new API key' })).toBeFocused();
  const key = await panel.getByLabel('API key').inputValue();
  expect(key).toMatch(/^tnry_[A-Za-z0-9_-]{43}$/);

  await panel.getByRole('button', { name: 'Copy key' }).click();
  await expect(panel.getByRole('status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

  // The list refreshed with the new key, shown by its prefix only.
  const row = keyRow(page, 'E2E reader');
  await expect(row.getByRole('cell').nth(0)).toHaveText(`${key.slice(0, 13)}…`);
  await expect(row.getByRole('cell').nth(1)).toHaveText('documents:read');
  await expect(row.getByRole('cell').nth(3)).toHaveText('never');
  await expect(row.getByRole('cell').nth(5)).toHaveText('Active');

  // The key itself is never shown again.
  await page.reload();
  await expect(keyRow(page, 'E2E reader')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Your new API key' })).toHaveCount(0);
  expect(await page.content()).not.toContain(key);

  const listed = await apiGet(request, tenant.origin, '/api/v1/documents', key);
  expect(listed.status()).toBe(200);
  expect(await listed.json()).toMatchObject({ data: [] });

  // The call is metered: the server's usage buffer writes it within about a second.
  await expect.poll(() => db.usageTotal(tenant.id, 'api_calls'), { timeout: 10_000 }).toBe(1);

  await page.reload();
  await expect(keyRow(page, 'E2E reader').getByRole('cell').nth(3)).not.toHaveText('never');

  // Revoking asks first; cancelling changes nothing.
  await keyRow(page, 'E2E reader').getByRole('button', { name: 'Revoke E2E reader' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke “E2E reader”?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, 'E2E reader').getByRole('cell').nth(5)).toHaveText('Active');

  await keyRow(page, 'E2E reader').getByRole('button', { name: 'Revoke E2E reader' }).click();
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, 'E2E reader').getByRole('cell').nth(5)).toHaveText('Revoked');
  await expect(page.getByRole('status').filter({ hasText: 'Revoked just now.' })).toBeFocused();
  await expect(keyRow(page, 'E2E reader').getByRole('button', { name: /Revoke/ })).toHaveCount(0);

  const refused = await apiGet(request, tenant.origin, '/api/v1/documents', key);
  expect(refused.status()).toBe(401);
});

test('a member sees no key management', async ({ page, signedInMember }) => {
  expect(signedInMember.role).toBe('member');
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }),
  ).toHaveCount(0);

  await page.goto('/settings/api-keys');
  await expect(
    page.getByRole('heading', { name: 'You don’t have access to this page' }),
  ).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }),
  ).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Create key' })).toHaveCount(0);
});

test('on the free plan: no API keys, no branding, the name still editable', async ({
  page,
  factory,
}) => {
  const free = await factory.tenant({ plan: 'free' });
  const owner = await factory.member(free.id, { role: 'owner' });
  await signIn(page, free.origin, owner);

  await page.goto(`${free.origin}/settings`);
  await expect(page.getByRole('heading', { name: 'Workspace settings' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'API keys' })).toHaveCount(0);
  await expect(page.getByLabel('Logo URL')).toHaveCount(0);
  await expect(page.getByLabel('Primary colour')).toHaveCount(0);
  await expect(
    page.getByText('A custom logo and colour are not part of this workspace’s plan.'),
  ).toBeVisible();

  await page.getByLabel('Workspace name').fill(`${free.name} Renamed`);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await expect(page.getByTestId('tenant-name')).toHaveText(`${free.name} Renamed`);

  await page.goto(`${free.origin}/settings/api-keys`);
  await expect(page.getByText('The API is not part of your plan.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create key' })).toHaveCount(0);
});
