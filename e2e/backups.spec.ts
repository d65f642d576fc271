import { expect, openSettingsSection, signIn, test } from './fixtures';

test('an owner backs up the workspace, downloads the sealed file and restores it', async ({
  page,
  tenant,
  owner,
  db,
}) => {
  await signIn(page, tenant.origin, owner);
  await page.goto('/documents/new');
  await page.getByLabel('Title').fill('Before the backup');
  await page.getByRole('button', { name: 'Create document' }).click();
  await expect(page.getByRole('heading', { name: 'Before the backup', level: 1 })).toBeVisible();

  await test.step('back up now: the backup is made and listed with its checksum', async () => {
    await openSettingsSection(page, {
      link: 'Backups',
      path: '/settings/backups',
      heading: 'Backups',
    });
    await expect(page.getByText('No backups yet.')).toBeVisible();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Backup started.' })).toBeVisible();
    const row = page.getByRole('table', { name: 'Backups, newest first' }).getByRole('row').nth(1);
    await expect(row).toContainText('Ready', { timeout: 20_000 });
    await expect(row).toContainText('By hand');
    await expect(row.getByRole('code')).toHaveText(/^[0-9a-f]{12}…$/);
  });

  await test.step('download: a sealed Tenantry backup file', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^Download/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      new RegExp(`^${tenant.slug}-\\d{4}-\\d{2}-\\d{2}T\\d{4}Z\\.tenantry-backup$`),
    );
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const file = Buffer.concat(chunks).toString('latin1');
    expect(file.startsWith('TENANTRY-BACKUP 1\n')).toBe(true);
    expect(file).not.toContain('Before the backup');
  });

  await test.step('restore: a later document is gone, the earlier one is back', async () => {
    await page.goto('/documents/new');
    await page.getByLabel('Title').fill('After the backup');
    await page.getByRole('button', { name: 'Create document' }).click();
    await expect(page.getByRole('heading', { name: 'After the backup', level: 1 })).toBeVisible();
    expect((await db.documentTitles(tenant.id)).sort()).toEqual([
      'After the backup',
      'Before the backup',
    ]);
    await page.goto('/settings/backups');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('Everyone is signed out');
    await dialog.getByRole('button', { name: 'Restore this backup' }).click();
    // The restore signs everyone out (their sessions are not part of a backup).
    await expect
      .poll(async () => (await db.documentTitles(tenant.id)).sort(), { timeout: 20_000 })
      .toEqual(['Before the backup']);
    await page.goto('/settings/backups');
    await expect(page).toHaveURL(/\/sign-in/);
  });
});
