import { expect, openSettingsSection, signIn, test } from './fixtures';

test('an owner sees the workspace’s key versions, rotates the key with progress, and sets a rotation policy', async ({
  page,
  tenant,
  owner,
  db,
}) => {
  await signIn(page, tenant.origin, owner);

  await test.step('the first document makes the workspace’s first key', async () => {
    await openSettingsSection(page, {
      link: 'Encryption',
      path: '/settings/encryption',
      heading: 'Encryption',
    });
    await expect(page.getByText('No key yet')).toBeVisible();
    await page.goto('/documents/new');
    await page.getByLabel('Title').fill('Board minutes');
    await page.getByLabel('Body').fill('Confidential.');
    await page.getByRole('button', { name: 'Create document' }).click();
    await expect(page.getByRole('heading', { name: 'Board minutes', level: 1 })).toBeVisible();
    await page.goto('/settings/encryption');
    const keys = page.getByRole('table', { name: 'Data key versions, newest first' });
    await expect(keys.getByRole('row')).toHaveCount(2);
    await expect(keys.getByRole('row').nth(1)).toContainText('1Active');
  });

  await test.step('rotate now: a new active version, the old one retired once re-encrypted', async () => {
    await page.getByRole('button', { name: 'Rotate key now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Key version 2' })).toBeVisible();
    const keys = page.getByRole('table', { name: 'Data key versions, newest first' });
    await expect(keys.getByRole('row').nth(1)).toContainText('2Active');
    // The re-encryption runs after the answer; the page follows it until the old key retires.
    await expect(keys.getByRole('row').nth(2)).toContainText('1Retired', { timeout: 20_000 });
    await expect(page.getByText(/Last rotation: version 2, 1 records re-encrypted/)).toBeVisible();
    expect(await db.documentTitles(tenant.id)).toEqual(['Board minutes']);
  });

  await test.step('the document still reads the same', async () => {
    await page.goto('/documents');
    await page.getByRole('link', { name: 'Board minutes' }).click();
    await expect(page.getByTestId('document-body')).toHaveText('Confidential.');
  });

  await test.step('set a rotation policy', async () => {
    await page.goto('/settings/encryption');
    await expect(
      page.getByText('The key is rotated only when someone rotates it here.'),
    ).toBeVisible();
    await page.getByLabel('Rotate the data key automatically').selectOption('90');
    await page.getByRole('button', { name: 'Save rotation policy' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: 'Rotation policy saved.' }),
    ).toBeVisible();
    await expect(page.getByText(/Next automatic rotation: /)).toBeVisible();
  });

  await test.step('both changes are in the audit log', async () => {
    await page.goto('/settings/audit');
    const rows = page.getByRole('table', { name: 'Audit events, newest first' }).getByRole('row');
    await expect(rows.filter({ hasText: 'encryption.key_rotated' })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'encryption.policy_updated' })).toHaveCount(1);
  });
});
