import { INITECH, expect, test } from './fixtures';

test.describe('a suspended workspace', () => {
  test.use({ baseURL: INITECH.origin });

  test('shows the suspension notice and no sign-in form', async ({ page }) => {
    for (const path of ['/', '/sign-in', '/documents']) {
      await page.goto(path);
      await expect(
        page.getByRole('heading', { name: `${INITECH.name} is suspended` }),
        path,
      ).toBeVisible();
      await expect(page.getByLabel('Password')).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
      await expect(page.getByText('TPS reports')).toHaveCount(0);
    }
  });
});

test('suspending a tenant ends its members’ access on the next navigation', async ({
  page,
  tenant,
  signedInMember,
  db,
}) => {
  expect(signedInMember.role).toBe('member');
  await page.getByRole('link', { name: 'New document' }).click();
  await expect(page.getByRole('heading', { name: 'New document' })).toBeVisible();

  await db.setTenantStatus(tenant.id, 'suspended');

  // The form already on screen posts to a server action, which checks the tenant again.
  await page.getByLabel('Title').fill('Written after the suspension');
  await page.getByRole('button', { name: 'Create document' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'This workspace is suspended.',
  );
  expect(await db.documentTitles(tenant.id)).toEqual([]);

  await page.goto('/documents');
  await expect(page.getByRole('heading', { name: `${tenant.name} is suspended` })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Documents' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
});
