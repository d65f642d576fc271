import type { Page } from '@playwright/test';
import { E2E_PASSWORD, uniqueEmail, uniqueSlug } from './support/database';
import { ROOT_URL, tenantOrigin } from './support/env';
import {
  ACME,
  expect,
  fillSignInForm,
  sessionCookie,
  signIn,
  test,
  type TestOperator,
} from './fixtures';

// The operator console lives on the root domain.
test.use({ baseURL: ROOT_URL });

async function signInAsOperator(
  page: Page,
  operator: Pick<TestOperator, 'email' | 'password'>,
): Promise<void> {
  await page.goto('/admin/sign-in');
  await expect(page.getByRole('heading', { name: 'Operator sign-in' })).toBeVisible();
  await fillSignInForm(page, operator);
}

test('an operator finds a tenant, suspends it with a reason, and the portal and the audit trail show it', async ({
  page,
  factory,
  db,
}) => {
  const tenant = await factory.tenant();
  const operator = await factory.operator();

  await test.step('the console asks an operator to sign in first', async () => {
    await page.goto('/admin');
    await expect(page).toHaveURL(`${ROOT_URL}/admin/sign-in`);
    await signInAsOperator(page, operator);
    await expect(page).toHaveURL(`${ROOT_URL}/admin`);
    await expect(page.getByRole('heading', { name: 'Tenants', level: 1 })).toBeVisible();
  });

  await test.step('search and open the tenant', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill(tenant.slug);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(new RegExp(`/admin\\?(.*&)?q=${tenant.slug}(&|$)`));
    const rows = page.getByRole('row').filter({ hasText: tenant.slug });
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(tenant.name);
    await expect(rows).toContainText('Active');
    await rows.getByRole('link', { name: tenant.slug }).click();
    await expect(page).toHaveURL(`${ROOT_URL}/admin/tenants/${tenant.id}`);
    await expect(page.getByRole('heading', { name: tenant.name, level: 1 })).toBeVisible();
    await expect(page.getByRole('link', { name: tenant.origin })).toHaveAttribute(
      'href',
      tenant.origin,
    );
  });

  const reason = 'E2E: three invoices unpaid';
  await test.step('the change needs a confirmation', async () => {
    await page.getByLabel('New status').selectOption('suspended');
    await page.getByLabel('Reason').fill(reason);
    await page.getByRole('button', { name: 'Change status' }).click();
    const confirm = page.getByLabel(/I understand/);
    await expect(confirm).toHaveAttribute('aria-invalid', 'true');
    await expect(confirm).toHaveAccessibleDescription('Tick the box to confirm the change.');
    // What was chosen and typed survives the refusal; nothing changed.
    await expect(page.getByLabel('New status')).toHaveValue('suspended');
    await expect(page.getByLabel('Reason')).toHaveValue(reason);
    expect(await db.tenantBySlug(tenant.slug)).toMatchObject({ status: 'active' });
  });

  await test.step('confirmed, the tenant is suspended', async () => {
    await page.getByLabel(/I understand/).check();
    await page.getByRole('button', { name: 'Change status' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: 'Status changed to Suspended.' }),
    ).toBeVisible();
    await expect(page.getByText('Currently Suspended.')).toBeVisible();
    expect(await db.tenantBySlug(tenant.slug)).toMatchObject({ status: 'suspended' });
    expect(await db.auditEventsOf(tenant.id)).toContainEqual({
      action: 'tenant.status_changed',
      actorType: 'operator',
      actorId: operator.id,
      metadata: { from: 'active', to: 'suspended', reason },
    });
  });

  await test.step('the audit trail shows the change', async () => {
    await page.reload();
    const trail = page.getByRole('region', { name: 'Audit trail' });
    const event = trail.getByRole('row').filter({ hasText: 'Status changed' });
    await expect(event).toHaveCount(1);
    await expect(event).toContainText('Operator (you)');
    await expect(event).toContainText(`active → suspended: “${reason}”`);
  });

  await test.step('the tenant’s portal shows the suspension', async () => {
    await page.goto(`${tenant.origin}/`);
    await expect(page.getByRole('heading', { name: `${tenant.name} is suspended` })).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveCount(0);
  });

  await test.step('the list filters by status', async () => {
    await page.goto(`/admin?q=${tenant.slug}&status=suspended`);
    await expect(page.getByRole('row').filter({ hasText: tenant.slug })).toContainText('Suspended');
    await page.goto(`/admin?q=${tenant.slug}&status=active`);
    await expect(page.getByText('No tenants match these filters.')).toBeVisible();
  });

  await test.step('sign-out ends the session on the server', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(`${ROOT_URL}/admin/sign-in`);
    expect(await db.platformSessionsOf(operator.id)).toEqual([{ revoked: true }]);
    await page.goto('/admin');
    await expect(page).toHaveURL(`${ROOT_URL}/admin/sign-in`);
  });
});

test('the console does not exist on a tenant host', async ({ page, context, factory }) => {
  const tenant = await factory.tenant();
  for (const origin of [ACME.origin, tenant.origin]) {
    for (const path of ['/admin', '/admin/sign-in', `/admin/tenants/${tenant.id}`]) {
      const response = await page.goto(`${origin}${path}`);
      expect(response?.status(), `${origin}${path}`).toBe(404);
      await expect(page.getByLabel('Password')).toHaveCount(0);
    }
  }

  // An operator's cookie, replayed on a tenant host, is nobody there.
  const operator = await factory.operator();
  await signInAsOperator(page, operator);
  await expect(page).toHaveURL(`${ROOT_URL}/admin`);
  const cookie = await sessionCookie(context, ROOT_URL);
  expect(cookie.domain).toBe('localhost');
  expect(cookie.httpOnly).toBe(true);
  await context.addCookies([{ ...cookie, domain: new URL(tenant.origin).hostname, path: '/' }]);
  await page.goto(`${tenant.origin}/documents`);
  await expect(page).toHaveURL(`${tenant.origin}/sign-in`);
  expect((await page.goto(`${tenant.origin}/admin`))?.status()).toBe(404);
});

test('a member of a tenant cannot sign in to the console, nor use their session there', async ({
  page,
  context,
  tenant,
  owner,
}) => {
  await signInAsOperator(page, owner);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'That e-mail and password do not match an operator account.',
  );
  await expect(page).toHaveURL(`${ROOT_URL}/admin/sign-in`);
  await expect(page.getByLabel('E-mail')).toHaveValue(owner.email);
  const rootCookies = (await context.cookies(ROOT_URL)).map((cookie) => cookie.name);
  expect(rootCookies.filter((name) => name.endsWith('session-token'))).toEqual([]);

  // Signed in on their own portal, the member's cookie replayed on the root domain is no operator.
  await signIn(page, tenant.origin, owner);
  const cookie = await sessionCookie(context, tenant.origin);
  await context.addCookies([{ ...cookie, domain: 'localhost', path: '/' }]);
  await page.goto('/admin');
  await expect(page).toHaveURL(`${ROOT_URL}/admin/sign-in`);
  await expect(page.getByRole('heading', { name: 'Tenants' })).toHaveCount(0);
});

test('an operator provisions a tenant from the console, and its owner signs in to the new portal', async ({
  page,
  factory,
  db,
}) => {
  const operator = await factory.operator();
  const slug = uniqueSlug();
  const owner = { email: uniqueEmail('owner'), password: E2E_PASSWORD };
  factory.removeAfterwards({ slug, email: owner.email });
  await signInAsOperator(page, operator);

  await page.getByRole('link', { name: 'New tenant' }).click();
  await expect(page.getByRole('heading', { name: 'New tenant', level: 1 })).toBeVisible();

  await test.step('a taken address is refused beside its field', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Provisioned GmbH');
    await page.getByLabel('Address').fill(ACME.slug);
    await page.getByLabel('Plan').selectOption('pro');
    await page.getByLabel('Owner’s e-mail').fill(owner.email);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await expect(page.getByText('This address is taken. Choose another.')).toBeVisible();
    expect(await db.tenantBySlug(slug)).toBeUndefined();
  });

  await test.step('created, it opens on its console page, on its plan, audited as the operator', async () => {
    await page.getByLabel('Address').fill(slug);
    await page.getByLabel('Owner’s password (optional)').fill(owner.password);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await expect(page.getByRole('heading', { name: 'Provisioned GmbH', level: 1 })).toBeVisible();
    expect(await db.tenantBySlug(slug)).toMatchObject({ status: 'active', plan: 'pro' });
    const trail = page.getByRole('region', { name: 'Audit trail' });
    await expect(trail.getByRole('row').filter({ hasText: 'Tenant created' })).toContainText(
      'Operator (you)',
    );
  });

  await test.step('the owner signs in to the new portal', async () => {
    await page.goto(`${tenantOrigin(slug)}/sign-in`);
    await fillSignInForm(page, owner);
    await expect(page).toHaveURL(`${tenantOrigin(slug)}/documents`);
    await expect(page.getByTestId('tenant-name')).toHaveText('Provisioned GmbH');
  });
});

test('an operator backs up a tenant and clones the backup into a new tenant', async ({
  page,
  factory,
  tenant,
  owner,
  db,
}) => {
  const operator = await factory.operator();
  await signInAsOperator(page, operator);
  await expect(page).toHaveURL(`${ROOT_URL}/admin`);
  await page.goto(`/admin/tenants/${tenant.id}`);
  const card = page.getByRole('region', { name: 'Backups' });
  await expect(card).toContainText('No backups yet.');

  await card.getByRole('button', { name: 'Back up now' }).click();
  await expect(card.getByRole('status')).toContainText('Backup started.');
  const backups = card.getByRole('table', { name: 'Backups of this tenant' });
  await expect(backups.getByRole('row').nth(1)).toContainText('ready', { timeout: 20_000 });

  const slug = uniqueSlug();
  await card.getByLabel('New tenant’s address').fill(slug);
  await card.getByLabel('New tenant’s name').fill('Cloned in E2E');
  await card.getByRole('button', { name: 'Clone into a new tenant' }).click();
  await expect(card.getByRole('status').filter({ hasText: 'Cloned into' })).toContainText(slug);
  const clone = await db.tenantBySlug(slug);
  expect(clone).toMatchObject({ name: 'Cloned in E2E', plan: 'free' });
  // The same people are members of the clone, with the same roles.
  expect(await db.roleOf(clone!.id, owner.id)).toBe('owner');
});
