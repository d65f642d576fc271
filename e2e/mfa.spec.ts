import type { Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { expect, fillSignInForm, test, type TestUser } from './fixtures';

const PERIOD_MS = 30_000;

/**
 * What the member's authenticator app shows, `periods` steps from now. Sign-ins use the next
 * step's code: the current one may already have been spent confirming the set-up, and the server
 * accepts one step either side.
 */
function appCode(secret: string, periods = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: Date.now() + periods * PERIOD_MS,
  });
}

/** Adds an authenticator app on the set-up form shown; returns its secret and the recovery codes. */
async function confirmSetUp(page: Page): Promise<{ secret: string; recoveryCodes: string[] }> {
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = await page.getByLabel('Setup key').inputValue();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);

  await page.getByLabel('Code from the app').fill(appCode(secret, 10));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await expect(page.getByText('Enter the current code from your app')).toBeVisible();

  await page.getByLabel('Code from the app').fill(appCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  const list = page.getByRole('list', { name: 'Recovery codes' });
  await expect(list.getByRole('listitem')).toHaveCount(10);
  const recoveryCodes = await list.getByRole('listitem').allInnerTexts();
  return { secret, recoveryCodes };
}

async function enrolInSettings(page: Page) {
  await page.goto('/settings/mfa');
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const enrolled = await confirmSetUp(page);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByText('10 recovery codes left.')).toBeVisible();
  return enrolled;
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/sign-in');
}

/** E-mail and password: right, so the sign-in now asks for the second factor. */
async function signInToCodeStep(page: Page, user: TestUser) {
  await page.goto('/sign-in');
  await fillSignInForm(page, user);
  await expect(page).toHaveURL('/sign-in/verify');
  await expect(page.getByRole('heading', { name: 'Enter your sign-in code' })).toBeVisible();
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

test('a member turns on two-factor sign-in; signing in then asks for a code, and a wrong one is refused', async ({
  page,
  tenant,
  signedInMember,
  db,
}) => {
  const { secret } = await enrolInSettings(page);
  await signOut(page);

  await signInToCodeStep(page, signedInMember);
  // Half signed in is not signed in: pages send the member back to the code step.
  await page.goto('/documents');
  await expect(page).toHaveURL('/sign-in/verify');

  await enterCode(page, appCode(secret, -10));
  await expect(page.getByText('That code was not accepted.')).toBeVisible();
  await expect(page).toHaveURL('/sign-in/verify');

  await enterCode(page, appCode(secret, 1));
  await expect(page).toHaveURL('/documents');
  await expect(page.getByRole('heading', { name: 'Documents', level: 1 })).toBeVisible();

  const actions = (await db.auditEventsOf(tenant.id)).map((event) => event.action);
  expect(actions).toEqual(expect.arrayContaining(['mfa.enrolled', 'auth.mfa_verified']));
});

test('a recovery code signs in once', async ({ page, signedInMember }) => {
  test.slow(); // three sign-ins, each hashing a password on purpose slowly
  const { recoveryCodes } = await enrolInSettings(page);
  const [first, second] = recoveryCodes as [string, string];
  await signOut(page);

  await signInToCodeStep(page, signedInMember);
  await enterCode(page, first);
  await expect(page).toHaveURL('/documents');
  await signOut(page);

  await signInToCodeStep(page, signedInMember);
  await enterCode(page, first);
  await expect(page.getByText('That code was not accepted.')).toBeVisible();
  await enterCode(page, second.toUpperCase());
  await expect(page).toHaveURL('/documents');

  await page.goto('/settings/mfa');
  await expect(page.getByText('8 recovery codes left.')).toBeVisible();
});

test('a tenant that requires two-factor sign-in makes a member set it up at their next sign-in', async ({
  page,
  browser,
  tenant,
  member,
  signedInOwner,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  await page.goto('/settings/security');
  const require = page.getByLabel('Require two-factor sign-in for every member');
  await expect(require).not.toBeChecked();
  await require.check();
  await page.getByRole('button', { name: 'Save two-factor policy' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Two-factor policy saved.' }),
  ).toBeVisible();
  await page.reload();
  await expect(require).toBeChecked();

  const context = await browser.newContext({ baseURL: tenant.origin });
  const memberPage = await context.newPage();
  try {
    await memberPage.goto('/sign-in');
    await fillSignInForm(memberPage, member);
    await expect(memberPage).toHaveURL('/sign-in/enrol');
    await expect(
      memberPage.getByRole('heading', { name: 'Set up two-factor sign-in' }),
    ).toBeVisible();
    // Not signed in until the set-up is done.
    await memberPage.goto('/documents');
    await expect(memberPage).toHaveURL('/sign-in/enrol');

    await memberPage.getByRole('button', { name: 'Set up an app' }).click();
    await confirmSetUp(memberPage);
    await memberPage.getByRole('button', { name: 'Continue' }).click();
    await expect(memberPage).toHaveURL('/documents');
    await expect(memberPage.getByRole('heading', { name: 'Documents', level: 1 })).toBeVisible();

    // Required: it cannot be turned off.
    await memberPage.goto('/settings/mfa');
    await expect(
      memberPage.getByText('requires two-factor sign-in, so it cannot be turned off'),
    ).toBeVisible();
    await expect(
      memberPage.getByRole('button', { name: 'Turn off two-factor sign-in' }),
    ).toHaveCount(0);
  } finally {
    await context.close();
  }

  const actions = (await db.auditEventsOf(tenant.id)).map((event) => event.action);
  expect(actions).toEqual(
    expect.arrayContaining(['tenant.mfa_policy_updated', 'mfa.enrolled', 'auth.mfa_verified']),
  );
});
