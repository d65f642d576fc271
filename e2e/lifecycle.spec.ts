import { expect, test } from './fixtures';

test('a past-due workspace shows a billing banner and keeps working', async ({
  page,
  tenant,
  signedInMember,
  db,
}) => {
  expect(signedInMember.role).toBe('member');
  await db.setTenantStatus(tenant.id, 'past_due');
  await page.goto('/documents');
  await expect(
    page.getByRole('status').filter({ hasText: 'Payment for this workspace is overdue' }),
  ).toBeVisible();
  await page.getByRole('link', { name: 'New document' }).click();
  await page.getByLabel('Title').fill('Written while past due');
  await page.getByRole('button', { name: 'Create document' }).click();
  await expect(
    page.getByRole('heading', { name: 'Written while past due', level: 1 }),
  ).toBeVisible();
});

test('an archived workspace answers as if it did not exist', async ({
  page,
  tenant,
  signedInMember,
  db,
}) => {
  expect(signedInMember.role).toBe('member');
  await db.setTenantStatus(tenant.id, 'archived');
  for (const path of ['/', '/sign-in', '/documents']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByText('There is no workspace at'), path).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveCount(0);
  }
});
