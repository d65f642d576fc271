import { cssRgb, expect, test } from './fixtures';

test('a member creates, reads, edits and deletes a document', async ({
  page,
  tenant,
  signedInMember,
  db,
}) => {
  await expect(page.getByText('No documents yet')).toBeVisible();

  await test.step('create', async () => {
    await page.getByRole('link', { name: 'New document' }).click();
    await expect(page).toHaveURL('/documents/new');
    await page.getByLabel('Title').fill('Launch plan');
    await page.getByLabel('Body').fill('Step one: write the plan.\nStep two: launch.');
    await page.getByRole('button', { name: 'Create document' }).click();
    await expect(page).toHaveURL(/\/documents\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { name: 'Launch plan', level: 1 })).toBeVisible();
    await expect(page.getByTestId('document-body')).toHaveText(
      'Step one: write the plan.\nStep two: launch.',
    );
    await expect(page.getByText(`By ${signedInMember.name}`)).toBeVisible();
  });
  const documentUrl = page.url();

  await test.step('list and view', async () => {
    await page.getByRole('link', { name: 'All documents' }).click();
    await expect(page).toHaveURL('/documents');
    await expect(page.getByText('No documents yet')).toHaveCount(0);
    const row = page.getByRole('row').filter({ hasText: 'Launch plan' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(signedInMember.name);
    await row.getByRole('link', { name: 'Launch plan' }).click();
    await expect(page).toHaveURL(documentUrl);
  });

  await test.step('edit', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page).toHaveURL(`${documentUrl}/edit`);
    await expect(page.getByLabel('Title')).toHaveValue('Launch plan');
    await page.getByLabel('Title').fill('Launch plan v2');
    await page.getByLabel('Body').fill('Revised: launch first, plan later.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(documentUrl);
    await expect(page.getByRole('heading', { name: 'Launch plan v2', level: 1 })).toBeVisible();
    await expect(page.getByTestId('document-body')).toHaveText(
      'Revised: launch first, plan later.',
    );
    expect(await db.documentTitles(tenant.id)).toEqual(['Launch plan v2']);
  });

  await test.step('delete: dismissing the confirmation keeps the document', async () => {
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Launch plan v2”?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('heading', { name: 'Launch plan v2', level: 1 })).toBeVisible();
    expect(await db.documentTitles(tenant.id)).toEqual(['Launch plan v2']);
  });

  await test.step('delete: confirming removes the document', async () => {
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete document' }).click();
    await expect(page).toHaveURL('/documents');
    await expect(page.getByText('No documents yet')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Launch plan v2' })).toHaveCount(0);
    expect(await db.documentTitles(tenant.id)).toEqual([]);

    await page.goto(documentUrl);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  });
});

test('a document needs a title', async ({ page, tenant, signedInMember, db }) => {
  expect(signedInMember.role).toBe('member');
  // Empty, and blank (the server trims before it validates).
  for (const blank of ['', '   ']) {
    await test.step(`title ${JSON.stringify(blank)}`, async () => {
      await page.goto('/documents/new');
      await page.getByLabel('Title').fill(blank);
      await page.getByLabel('Body').fill('A body without a title.');
      await page.getByRole('button', { name: 'Create document' }).click();

      const title = page.getByLabel('Title');
      await expect(title).toHaveAttribute('aria-invalid', 'true');
      await expect(title).toHaveAccessibleDescription('Give the document a title.');
      await expect(
        page
          .getByRole('main')
          .getByRole('alert')
          .filter({ hasText: 'Check the highlighted fields.' }),
      ).toBeVisible();
      await expect(page).toHaveURL('/documents/new');
    });
  }
  expect(await db.documentTitles(tenant.id)).toEqual([]);
});

test('the portal wears the tenant’s name and colour', async ({ page, tenant, signedInMember }) => {
  expect(signedInMember.role).toBe('member');
  // A colour of its own, not the default brand colour (#4f46e5) the stylesheet falls back to.
  expect(tenant.primaryColor).not.toBe('#4f46e5');
  await expect(page.getByTestId('tenant-name')).toHaveText(tenant.name);
  await expect(page.getByRole('banner')).toHaveCSS(
    'border-bottom-color',
    cssRgb(tenant.primaryColor),
  );
  await expect(page).toHaveTitle(`Documents · ${tenant.name}`);
});
