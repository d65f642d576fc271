import { uniqueSlug } from './support/database';
import { ROOT_DOMAIN, ROOT_URL, tenantOrigin } from './support/env';
import {
  ACME,
  GLOBEX,
  expect,
  fillSignInForm,
  sessionCookie,
  signIn,
  test as base,
  type TestUser,
} from './fixtures';

/** A fresh member of the seeded globex tenant (removed afterwards); acme's data is read only. */
const test = base.extend<{ globexMember: TestUser; acmeDocumentId: string }>({
  globexMember: async ({ db, factory }, use) => {
    const globex = await db.tenantBySlug(GLOBEX.slug);
    if (!globex) throw new Error('globex is not seeded');
    await use(await factory.member(globex.id, { role: 'member' }));
  },
  acmeDocumentId: async ({ db }, use) => {
    const acme = await db.tenantBySlug(ACME.slug);
    if (!acme) throw new Error('acme is not seeded');
    await use(await db.documentId(acme.id, 'Welcome to Acme'));
  },
});

test.use({ baseURL: ACME.origin });

test('a globex member cannot sign in on acme’s host', async ({ page, globexMember }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { name: `Sign in to ${ACME.name}` })).toBeVisible();
  await fillSignInForm(page, globexMember);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'That e-mail and password do not match an account of this workspace.',
  );
  await expect(page).toHaveURL(`${ACME.origin}/sign-in`);
  expect(await page.context().cookies(ACME.origin)).not.toContainEqual(
    expect.objectContaining({ name: expect.stringMatching(/session-token$/) }),
  );

  // The same credentials are good on the member's own host.
  await signIn(page, GLOBEX.origin, globexMember);
  await expect(page.getByTestId('tenant-name')).toHaveText(GLOBEX.name);
});

test('a globex session cookie replayed on acme’s host grants nothing', async ({
  page,
  context,
  globexMember,
}) => {
  await signIn(page, GLOBEX.origin, globexMember);
  const cookie = await sessionCookie(context, GLOBEX.origin);
  expect(cookie.domain).toBe('globex.localhost');
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe('Lax');

  await context.addCookies([{ ...cookie, domain: 'acme.localhost', path: '/' }]);
  expect(await sessionCookie(context, ACME.origin)).toMatchObject({ value: cookie.value });

  await page.goto('/documents');
  await expect(page).toHaveURL(`${ACME.origin}/sign-in`);
  await expect(page.getByRole('heading', { name: `Sign in to ${ACME.name}` })).toBeVisible();
  await expect(page.getByText('Welcome to Acme')).toHaveCount(0);

  // The cookie itself is valid: it still works where it was issued.
  await page.goto(`${GLOBEX.origin}/documents`);
  await expect(page.getByRole('link', { name: 'Globex secret plans' })).toBeVisible();
});

test('signed in on globex, acme’s documents stay out of reach', async ({
  page,
  globexMember,
  acmeDocumentId,
}) => {
  await signIn(page, GLOBEX.origin, globexMember);

  // On acme's host the globex session does not exist: straight to acme's sign-in.
  await page.goto(`${ACME.origin}/documents/${acmeDocumentId}`);
  await expect(page).toHaveURL(`${ACME.origin}/sign-in`);
  await expect(page.getByText('This is Acme’s portal')).toHaveCount(0);

  // On globex's host the id names no globex document: a 404, exactly like an unknown id.
  const response = await page.goto(`${GLOBEX.origin}/documents/${acmeDocumentId}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('Welcome to Acme')).toHaveCount(0);
  await expect(page.getByText('This is Acme’s portal')).toHaveCount(0);

  // Still signed in on globex: the refusal was about the document, not the session.
  await page.goto(`${GLOBEX.origin}/documents`);
  await expect(page.getByRole('link', { name: 'Globex secret plans' })).toBeVisible();
});

test('the internal /t/<slug> route cannot be reached directly', async ({ page }) => {
  for (const url of [
    `${ROOT_URL}/t/acme/documents`,
    `${ACME.origin}/t/acme/documents`,
    `${GLOBEX.origin}/t/acme/documents`,
  ]) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(404);
    await expect(page.getByText('Welcome to Acme')).toHaveCount(0);
  }
});

test('an unknown workspace address shows the no-workspace page', async ({ page }) => {
  const slug = uniqueSlug();
  const response = await page.goto(`${tenantOrigin(slug)}/`);
  expect(response?.status()).toBe(404);
  await expect(page.getByText('There is no workspace at')).toBeVisible();
  await expect(page.getByRole('main')).toContainText(`${slug}.${ROOT_DOMAIN}`);
  await expect(page.getByLabel('Password')).toHaveCount(0);
});
