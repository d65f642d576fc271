import { expect, test } from './fixtures';

test('an owner shortens the session policy; a too-short lifetime for the idle timeout is refused', async ({
  page,
  tenant,
  signedInOwner,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  await page.goto('/settings/security');
  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Session lifetime (hours)')).toHaveValue('12');

  await page.getByLabel('Session lifetime (hours)').fill('1');
  await page.getByLabel('Idle timeout (minutes)').fill('90');
  await page.getByRole('button', { name: 'Save session policy' }).click();
  await expect(
    page.getByText('The idle timeout cannot be longer than the session lifetime.'),
  ).toBeVisible();
  await expect(page.getByLabel('Session lifetime (hours)')).toHaveValue('1');

  await page.getByLabel('Session lifetime (hours)').fill('8');
  await page.getByLabel('Idle timeout (minutes)').fill('30');
  await page.getByRole('button', { name: 'Save session policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Session policy saved' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Session lifetime (hours)')).toHaveValue('8');
  await expect(page.getByLabel('Idle timeout (minutes)')).toHaveValue('30');
  expect(await db.auditEventsOf(tenant.id)).toContainEqual(
    expect.objectContaining({ action: 'tenant.session_policy_updated' }),
  );
});

test('a member may not open the security settings', async ({ page, signedInMember }) => {
  expect(signedInMember.role).toBe('member');
  await page.goto('/settings/security');
  await expect(
    page.getByRole('heading', { name: 'You don’t have access to this page' }),
  ).toBeVisible();
  await expect(page.getByLabel('Session lifetime (hours)')).toHaveCount(0);
});

test('an owner limits invitations to the company domain; another domain is refused beside the field', async ({
  page,
  signedInOwner,
}) => {
  expect(signedInOwner.role).toBe('owner');
  await page.goto('/settings/security');
  await page.getByLabel('Allowed e-mail domains').fill('acme-corp.test, not a domain');
  await page.getByRole('button', { name: 'Save rules for new members' }).click();
  await expect(page.getByText('Not a domain name.').first()).toBeVisible();

  await page.getByLabel('Allowed e-mail domains').fill('acme-corp.test');
  await page.getByLabel('Minimum password length').fill('14');
  await page.getByRole('button', { name: 'Save rules for new members' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Rules for new members saved.' }),
  ).toBeVisible();

  await page.goto('/settings/members');
  await page.getByLabel('E-mail').fill('someone@elsewhere.test');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText('Use an address at acme-corp.test.')).toBeVisible();
});
