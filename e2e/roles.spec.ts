import { expect, signIn, test } from './fixtures';

test('an owner builds a custom role in the matrix; its holder gets exactly its permissions', async ({
  page,
  browser,
  tenant,
  member,
  signedInOwner,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  await page.goto('/settings/roles');
  await expect(page.getByRole('heading', { name: 'Roles', level: 1 })).toBeVisible();
  await expect(page.getByText('this workspace has no roles of its own yet')).toBeVisible();

  const form = page.getByRole('form', { name: 'New role' });
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Auditor');
  await form.getByLabel('Description (optional)').fill('Reads documents and the audit log');
  await form.getByLabel(/Read documents/).check();
  await form.getByLabel(/Read the audit trail/).check();
  await form.getByRole('button', { name: 'Create role' }).click();
  await expect(form.getByRole('status')).toContainText('Role “Auditor” created');

  // The matrix shows the new column, editable in place: add usage, then save.
  const usage = page.getByRole('checkbox', { name: 'Auditor: See usage and limits' });
  await expect(page.getByRole('checkbox', { name: 'Auditor: Read documents' })).toBeChecked();
  await usage.check();
  await page.getByRole('button', { name: 'Save Auditor' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('checkbox', { name: 'Auditor: See usage and limits' })).toBeChecked();

  await page.goto('/settings/members');
  const row = page.getByRole('row').filter({ hasText: member.email });
  await row.getByLabel(/Role of/).selectOption({ label: 'Auditor' });
  await row.getByRole('button', { name: /Save/ }).click();
  await expect(row.getByRole('status')).toHaveText('Saved.');
  expect(await db.roleOf(tenant.id, member.id)).toBe('custom');

  const auditorContext = await browser.newContext({ baseURL: tenant.origin });
  const auditor = await auditorContext.newPage();
  try {
    await signIn(auditor, tenant.origin, member);
    await auditor.goto('/settings/audit');
    await expect(auditor.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
    await auditor.goto('/documents');
    await expect(auditor.getByRole('link', { name: 'New document' })).toHaveCount(0);
    await auditor.goto('/settings/members');
    await expect(
      auditor.getByRole('heading', { name: 'You don’t have access to this page' }),
    ).toBeVisible();
  } finally {
    await auditorContext.close();
  }

  // Held roles cannot be deleted.
  await page.goto('/settings/roles');
  await page.getByRole('button', { name: 'Delete Auditor' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Delete role' }).click();
  await expect(dialog.getByRole('alert')).toContainText('One member has this role');
});

test('a member sees the roles but cannot edit them', async ({ page, signedInMember }) => {
  expect(signedInMember.role).toBe('member');
  await page.goto('/settings/roles');
  await expect(page.getByRole('table', { name: 'Permissions of each role' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'New role' })).toHaveCount(0);
  await expect(page.getByRole('checkbox')).toHaveCount(0);
});
