import fs from 'node:fs/promises';
import { expect, test } from './fixtures';
import { seedInternalInvoice } from './support/billing';

// The lead's billing page links here; the specs open the invoices page directly so that they
// test only the invoice pages.
const INVOICES = '/settings/billing/invoices';

test.describe('invoices (internal billing mode)', () => {
  test('an owner opens an invoice and downloads its PDF', async ({
    page,
    tenant,
    db,
    signedInOwner: _owner,
  }) => {
    await page.goto(INVOICES);
    await expect(page.getByRole('heading', { name: 'Invoices', level: 1 })).toBeVisible();
    await expect(
      page.getByText('No invoices yet — the first is issued at the end of the current period'),
    ).toBeVisible();

    const invoice = await seedInternalInvoice(db, tenant);
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: invoice.number });
    await expect(row).toContainText('Jan 1 – 31, 2026');
    await expect(row).toContainText('Overdue');
    await expect(row).toContainText(invoice.totalText);

    await row.getByRole('link', { name: invoice.number, exact: true }).click();
    await expect(page).toHaveURL(`${tenant.origin}${INVOICES}/${invoice.id}`);
    await expect(
      page.getByRole('heading', { name: `Invoice ${invoice.number}`, level: 1 }),
    ).toBeVisible();
    const lines = page.getByRole('table', { name: `Lines of invoice ${invoice.number}` });
    await expect(lines.getByRole('row')).toHaveCount(4);
    await expect(lines).toContainText('API calls: 12,345 past the allowance');
    await expect(lines).toContainText('$2.50');
    await expect(page.getByText('Amount due')).toBeVisible();
    // Internal invoices have no Stripe page to pay on.
    await expect(page.getByRole('link', { name: 'Pay invoice' })).toHaveCount(0);

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download PDF' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`${invoice.number}.pdf`);
    const pdf = await fs.readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain(`(Invoice ${invoice.number})`);
  });

  test('another workspace’s invoice is not found', async ({
    page,
    factory,
    db,
    signedInOwner: _owner,
  }) => {
    const other = await factory.tenant();
    const theirs = await seedInternalInvoice(db, other);

    expect((await page.goto(`${INVOICES}/${theirs.id}`))?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: `Invoice ${theirs.number}` })).toHaveCount(0);
    // Typed into the address bar: the download answers in the API's JSON shape.
    expect((await page.goto(`${INVOICES}/${theirs.id}/pdf`))?.status()).toBe(404);
    expect((await page.goto(`${INVOICES}/not-an-id`))?.status()).toBe(404);
  });

  test('a member without billing access is refused', async ({
    page,
    tenant,
    db,
    signedInMember: _member,
  }) => {
    const invoice = await seedInternalInvoice(db, tenant);
    await page.goto(INVOICES);
    await expect(
      page.getByRole('heading', { name: 'You don’t have access to this page' }),
    ).toBeVisible();
    expect((await page.goto(`${INVOICES}/${invoice.id}/pdf`))?.status()).toBe(403);
  });
});
