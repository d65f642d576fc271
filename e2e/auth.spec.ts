import { cssRgb, expect, fillSignInForm, sessionCookie, test } from './fixtures';

test('sign-out ends the session, and replaying its cookie does not bring it back', async ({
  page,
  context,
  tenant,
  signedInMember,
  db,
}) => {
  const cookie = await sessionCookie(context, tenant.origin);
  expect(await db.sessionsOf(signedInMember.id)).toEqual([{ revoked: false }]);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/sign-in');
  await expect(page.getByRole('heading', { name: `Sign in to ${tenant.name}` })).toBeVisible();
  expect(await db.sessionsOf(signedInMember.id)).toEqual([{ revoked: true }]);

  // The browser dropped the cookie; put the old one back by hand.
  await context.addCookies([cookie]);
  expect((await sessionCookie(context, tenant.origin)).value).toBe(cookie.value);
  await page.goto('/documents');
  await expect(page).toHaveURL('/sign-in');
  await expect(page.getByRole('heading', { name: `Sign in to ${tenant.name}` })).toBeVisible();
});

test('a wrong password is refused with a message', async ({ page, context, tenant, member }) => {
  await page.goto('/sign-in');
  await fillSignInForm(page, { email: member.email, password: `${member.password}-wrong` });
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'That e-mail and password do not match an account of this workspace.',
  );
  await expect(page).toHaveURL('/sign-in');
  await expect(page.getByRole('heading', { name: `Sign in to ${tenant.name}` })).toBeVisible();
  const names = (await context.cookies(tenant.origin)).map((cookie) => cookie.name);
  expect(names.filter((name) => name.endsWith('session-token'))).toEqual([]);
});

test('a member has no settings link and is refused the settings page', async ({
  page,
  signedInMember,
}) => {
  expect(signedInMember.role).toBe('member');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Documents' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Settings' })).toHaveCount(0);

  await page.goto('/settings');
  await expect(
    page.getByRole('heading', { name: 'You don’t have access to this page' }),
  ).toBeVisible();
  await expect(page.getByLabel('Workspace name')).toHaveCount(0);
});

test('an owner renames the workspace and changes its colour', async ({
  page,
  tenant,
  signedInOwner,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  const name = `${tenant.name} Renamed`;
  const colour = '#b45309';

  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Settings' })
    .click();
  await expect(page).toHaveURL('/settings');
  await expect(page.getByLabel('Workspace name')).toHaveValue(tenant.name);
  await expect(page.getByLabel('Primary colour')).toHaveValue(tenant.primaryColor);

  await page.getByLabel('Workspace name').fill(name);
  await page.getByLabel('Primary colour').fill(colour);
  await page.getByRole('button', { name: 'Save settings' }).click();

  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await expect(page.getByTestId('tenant-name')).toHaveText(name);
  await expect(page.getByRole('banner')).toHaveCSS('border-bottom-color', cssRgb(colour));
  expect(await db.tenantBySlug(tenant.slug)).toMatchObject({ name });

  // Kept across a fresh load of another page.
  await page.goto('/documents');
  await expect(page.getByTestId('tenant-name')).toHaveText(name);
  await expect(page.getByRole('banner')).toHaveCSS('border-bottom-color', cssRgb(colour));
});
