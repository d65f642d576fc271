import { expect, signIn, test } from './fixtures';

test('an owner makes a member a viewer, who can then read but not write', async ({
  page,
  browser,
  tenant,
  member,
  signedInOwner,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  await page.getByRole('link', { name: 'Members' }).click();
  await expect(page.getByRole('heading', { name: 'Members', level: 1 })).toBeVisible();

  const row = page.getByRole('row').filter({ hasText: member.email });
  await row.getByLabel(/Role of/).selectOption('viewer');
  await row.getByRole('button', { name: /Save/ }).click();
  await expect(row.getByRole('status')).toHaveText('Saved.');
  expect(await db.roleOf(tenant.id, member.id)).toBe('viewer');

  const viewerContext = await browser.newContext({ baseURL: tenant.origin });
  const viewerPage = await viewerContext.newPage();
  try {
    await signIn(viewerPage, tenant.origin, member);
    await expect(viewerPage.getByRole('link', { name: 'New document' })).toHaveCount(0);
    await viewerPage.goto('/documents/new');
    await expect(
      viewerPage.getByRole('heading', { name: 'You don’t have access to this page' }),
    ).toBeVisible();
    await expect(viewerPage.getByLabel('Title')).toHaveCount(0);
  } finally {
    await viewerContext.close();
  }
});

test('the last owner cannot leave; a removed member is signed out at once', async ({
  page,
  browser,
  tenant,
  member,
  signedInOwner,
  db,
}) => {
  const memberContext = await browser.newContext({ baseURL: tenant.origin });
  const memberPage = await memberContext.newPage();
  try {
    await signIn(memberPage, tenant.origin, member);

    await page.goto('/settings/members');
    const own = page.getByRole('row').filter({ hasText: signedInOwner.email });
    await own.getByRole('button', { name: 'Leave workspace' }).click();
    const leave = page.getByRole('dialog');
    await leave.getByRole('button', { name: 'Leave' }).click();
    await expect(leave.getByRole('alert')).toContainText('needs an owner');
    await leave.getByRole('button', { name: 'Cancel' }).click();

    const row = page.getByRole('row').filter({ hasText: member.email });
    await row.getByRole('button', { name: /^Remove / }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
    await expect(page.getByRole('row').filter({ hasText: member.email })).toHaveCount(0);
    expect(await db.roleOf(tenant.id, member.id)).toBeUndefined();

    await memberPage.goto('/documents');
    await expect(memberPage).toHaveURL(`${tenant.origin}/sign-in`);
  } finally {
    await memberContext.close();
  }
});
