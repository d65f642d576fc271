import { ssoConnections } from '@/db/schema';
import { startTestIdp, type TestIdp } from '@/test-support/oidc-provider';
import { expect, sessionCookie, test } from './fixtures';
import { ROOT_URL } from './support/env';

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider) that this spec starts on
 * 127.0.0.1: the owner configures it on the security page, and a member signs in through the
 * provider's own login page in the browser.
 */

let idp: TestIdp;
test.beforeAll(async () => {
  idp = await startTestIdp();
});
test.afterAll(async () => {
  await idp?.close();
});

const redirectUri = (origin: string) => `${origin}/api/auth/callback/oidc`;

test('an owner connects the identity provider; a member signs in through it and lands on that tenant only', async ({
  page,
  browser,
  tenant,
  signedInOwner,
  factory,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  const member = await factory.member(tenant.id, { role: 'member' });
  const account = idp.addAccount({ email: member.email });
  const client = await idp.addClient([redirectUri(tenant.origin)]);

  await page.goto('/settings/security');
  await expect(page.getByLabel('Redirect URI')).toHaveValue(redirectUri(tenant.origin));

  // An issuer nobody answers at is refused beside the field.
  await page.getByLabel('Issuer URL').fill('http://127.0.0.1:9/');
  await page.getByLabel('Client ID').fill(client.clientId);
  await page.getByLabel('Client secret').fill(client.clientSecret);
  await page.getByRole('button', { name: 'Save single sign-on' }).click();
  await expect(page.getByText('Could not reach http://127.0.0.1:9/.well-known')).toBeVisible();

  await page.getByLabel('Issuer URL').fill(idp.issuer);
  await page.getByLabel('Client secret').fill(client.clientSecret);
  await page.getByRole('button', { name: 'Save single sign-on' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Single sign-on saved.' })).toBeVisible();

  // The secret is write-only: never sent back to the browser.
  await page.reload();
  await expect(page.getByLabel('Client ID')).toHaveValue(client.clientId);
  await expect(page.getByLabel('Client secret')).toHaveValue('');
  expect(await page.content()).not.toContain(client.clientSecret);
  const configured = (await db.auditEventsOf(tenant.id)).filter(
    (event) => event.action === 'sso.configured',
  );
  expect(configured).toHaveLength(1);
  expect(JSON.stringify(configured)).not.toContain(client.clientSecret);

  // The member, in a browser of their own.
  const context = await browser.newContext();
  const person = await context.newPage();
  try {
    await person.goto(`${tenant.origin}/sign-in`);
    await person.getByRole('button', { name: 'Sign in with SSO' }).click();
    await expect(person).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
    await expect(person.getByRole('heading', { name: 'Test identity provider' })).toBeVisible();
    await person.getByLabel('E-mail').fill(account.email);
    await person.getByLabel('Password').fill(account.password);
    await person.getByRole('button', { name: 'Sign in' }).click();

    await expect(person).toHaveURL(`${tenant.origin}/documents`);
    await expect(person.getByRole('heading', { name: 'Documents', level: 1 })).toBeVisible();
    await expect(person.getByText(member.name).first()).toBeVisible();
    // Host-only: the session cookie belongs to this tenant's host and no other.
    const cookie = await sessionCookie(context, tenant.origin);
    expect(cookie.domain).toBe(`${tenant.slug}.localhost`);
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');

    // Another tenant, without a connection: no SSO button, not signed in — the provider still
    // knows the person, but nothing there trusts it.
    const other = await factory.tenant();
    await person.goto(`${other.origin}/documents`);
    await expect(person).toHaveURL(`${other.origin}/sign-in`);
    await expect(person.getByRole('button', { name: 'Sign in with SSO' })).toHaveCount(0);
    await person.goto(`${other.origin}/api/auth/callback/oidc?code=stolen&state=stolen`);
    await expect(person).toHaveURL(`${other.origin}/sign-in?sso_error=unavailable`);
    await expect(
      person.getByText('Single sign-on is not available for this workspace.'),
    ).toBeVisible();
    await person.goto(`${other.origin}/documents`);
    await expect(person).toHaveURL(`${other.origin}/sign-in`);
  } finally {
    await context.close();
  }

  const events = await db.auditEventsOf(tenant.id);
  expect(events).toContainEqual(
    expect.objectContaining({
      action: 'auth.signed_in',
      actorId: member.id,
      metadata: expect.objectContaining({ method: 'sso' }),
    }),
  );
});

test('with SSO required a member’s password is refused, an owner’s still works, and the member gets in through the provider', async ({
  browser,
  tenant,
  owner,
  member,
  db,
}) => {
  const client = await idp.addClient([redirectUri(tenant.origin)]);
  await db.platform((tx) =>
    tx.insert(ssoConnections).values({
      tenantId: tenant.id,
      issuer: idp.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      enforced: true,
    }),
  );
  const account = idp.addAccount({ email: member.email });

  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${tenant.origin}/sign-in`);
    await expect(page.getByText(`${tenant.name} signs in with single sign-on.`)).toBeVisible();
    await page.getByText('Owners: sign in with a password').click();
    await page.getByLabel('E-mail').fill(member.email);
    await page.getByLabel('Password').fill(member.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(
      page.getByText('This workspace signs in with single sign-on: use “Sign in with SSO”.'),
    ).toBeVisible();

    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    // Wait for the provider's page: this one has E-mail and Password fields too.
    await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
    await page.getByLabel('E-mail').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${tenant.origin}/documents`);
  } finally {
    await context.close();
  }

  const ownerContext = await browser.newContext();
  const ownerPage = await ownerContext.newPage();
  try {
    await ownerPage.goto(`${tenant.origin}/sign-in`);
    await ownerPage.getByText('Owners: sign in with a password').click();
    await ownerPage.getByLabel('E-mail').fill(owner.email);
    await ownerPage.getByLabel('Password').fill(owner.password);
    await ownerPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(ownerPage).toHaveURL(`${tenant.origin}/documents`);
  } finally {
    await ownerContext.close();
  }
});

test('only the SSO callback exists under /api/auth, and only on tenant hosts', async ({
  page,
  tenant,
}) => {
  for (const path of ['/api/auth/session', '/api/auth/signin/oidc', '/api/auth/csrf']) {
    expect((await page.goto(`${tenant.origin}${path}`))?.status(), path).toBe(404);
  }
  expect((await page.goto(`${ROOT_URL}/api/auth/callback/oidc?code=x&state=y`))?.status()).toBe(
    404,
  );
  await page.goto(`${tenant.origin}/sign-in`);
  const post = await page.evaluate(async () => {
    const response = await fetch('/api/auth/callback/oidc', { method: 'POST' });
    return response.status;
  });
  expect(post).toBe(405);
});
