import type { Page } from '@playwright/test';
import { E2E_PASSWORD, uniqueEmail, uniqueSlug } from './support/database';
import { ROOT_URL, tenantOrigin } from './support/env';
import { ACME, expect, fillSignInForm, test } from './fixtures';

// The sign-up form lives on the root domain.
test.use({ baseURL: ROOT_URL });

type SignUp = { name: string; slug: string; email: string; password: string };

async function submitSignUp(page: Page, form: SignUp): Promise<void> {
  // React resets the form after every submission, so each attempt fills every field.
  await page.getByLabel('Organisation name').fill(form.name);
  await page.getByLabel('Workspace address').fill(form.slug);
  await page.getByLabel('Your e-mail').fill(form.email);
  await page.getByLabel('Password').fill(form.password);
  await page.getByRole('button', { name: 'Create workspace' }).click();
}

test('sign-up refuses malformed, reserved and taken addresses and creates nothing', async ({
  page,
  db,
  factory,
}) => {
  const email = uniqueEmail('signup');
  factory.removeAfterwards({ email });
  const acmeBefore = await db.tenantBySlug(ACME.slug);
  expect(acmeBefore?.name).toBe(ACME.name);

  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Create a workspace' })).toBeVisible();

  const malformed = `E2E_${uniqueSlug().slice(4)}`;
  const cases = [
    { slug: malformed, error: /Use lowercase letters, digits and hyphens/ },
    { slug: 'admin', error: /This name is reserved/ },
    { slug: ACME.slug, error: /This address is taken/ },
  ];
  for (const { slug, error } of cases) {
    await test.step(`slug “${slug}”`, async () => {
      await submitSignUp(page, { name: 'Refused Org', slug, email, password: E2E_PASSWORD });
      const slugField = page.getByLabel('Workspace address');
      await expect(slugField).toHaveAttribute('aria-invalid', 'true');
      await expect(slugField).toHaveAccessibleDescription(error);
      await expect(page.getByText('Your workspace is ready')).toHaveCount(0);
      // What was typed survives the failed submission, except the password.
      await expect(slugField).toHaveValue(slug);
      await expect(page.getByLabel('Your e-mail')).toHaveValue(email);
      await expect(page.getByLabel('Password')).toHaveValue('');
    });
    // Nothing was written: no tenant under the attempted address, no account for the e-mail.
    if (slug !== ACME.slug) expect(await db.tenantBySlug(slug.toLowerCase())).toBeUndefined();
    expect(await db.userByEmail(email)).toBeUndefined();
  }
  // The taken address still belongs to the tenant that had it.
  expect(await db.tenantBySlug(ACME.slug)).toEqual(acmeBefore);
});

test('a valid sign-up leads to the new portal, where the owner signs in', async ({
  page,
  db,
  factory,
}) => {
  const slug = uniqueSlug();
  const form: SignUp = {
    name: `Signup ${slug.slice(4)} GmbH`,
    slug,
    email: uniqueEmail('owner'),
    password: E2E_PASSWORD,
  };
  factory.removeAfterwards({ slug, email: form.email });
  const portal = tenantOrigin(slug);

  await page.goto('/');
  await submitSignUp(page, form);

  const ready = page.getByRole('status').filter({ hasText: 'Your workspace is ready' });
  await expect(ready).toBeVisible();
  const link = ready.getByRole('link', { name: `${portal}/sign-in` });
  await expect(link).toHaveAttribute('href', `${portal}/sign-in`);
  expect(await db.tenantBySlug(slug)).toMatchObject({ name: form.name, status: 'active' });

  await link.click();
  await expect(page).toHaveURL(`${portal}/sign-in`);
  await expect(page.getByRole('heading', { name: `Sign in to ${form.name}` })).toBeVisible();

  await fillSignInForm(page, form);
  await expect(page).toHaveURL(`${portal}/documents`);
  await expect(page.getByTestId('tenant-name')).toHaveText(form.name);
  await expect(page.getByText('No documents yet')).toBeVisible();
});
