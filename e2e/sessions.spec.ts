import { expect, signIn, test } from './fixtures';

test('a member sees where they are signed in and signs out the other device', async ({
  page,
  browser,
  tenant,
  member,
  signedInMember,
}) => {
  expect(signedInMember.id).toBe(member.id);
  const other = await browser.newContext({ baseURL: tenant.origin });
  const otherPage = await other.newPage();
  try {
    await signIn(otherPage, tenant.origin, member);

    await page.goto('/settings/sessions');
    const sessions = page.getByRole('table', { name: 'Your active sessions' });
    await expect(sessions.getByRole('row')).toHaveCount(3); // header + two sessions
    await expect(sessions.getByText('This session')).toHaveCount(1);

    await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
    await expect(page.getByRole('status')).toHaveText('One other session was signed out.');
    await expect(sessions.getByRole('row')).toHaveCount(2);

    await otherPage.goto('/documents');
    await expect(otherPage).toHaveURL(`${tenant.origin}/sign-in`);
    await page.goto('/documents');
    await expect(page.getByRole('heading', { name: 'Documents', level: 1 })).toBeVisible();
  } finally {
    await other.close();
  }
});
