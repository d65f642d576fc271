import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { uniqueEmail } from './support/database';
import { ROOT_URL } from './support/env';

const LINK = /\/invite\/[A-Za-z0-9_-]{43}$/;

/** Sends an invitation through the members page's form and waits for its confirmation. */
async function invite(page: Page, email: string, role: string): Promise<void> {
  await page.goto('/settings/members');
  const form = page.getByRole('form', { name: 'Invite someone' });
  await form.getByLabel('E-mail').fill(email);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Send invitation' }).click();
  await expect(form.getByRole('status')).toHaveText(`Invitation sent to ${email}.`);
}

/** The invitation link in the newest message to `email`, read in the development mailbox. */
async function linkInMailbox(page: Page, email: string): Promise<string> {
  await page.goto(`${ROOT_URL}/dev/mailbox`);
  await expect(page.getByRole('heading', { name: 'Development mailbox', level: 1 })).toBeVisible();
  const message = page.getByRole('listitem').filter({ hasText: email }).first();
  const href = await message.getByRole('link', { name: LINK }).getAttribute('href');
  if (!href) throw new Error(`no invitation link in the mail to ${email}`);
  return href;
}

test('an invited newcomer follows the mailed link, joins as a viewer, and the link then stops working', async ({
  page,
  browser,
  tenant,
  signedInOwner,
  factory,
  db,
}) => {
  expect(signedInOwner.role).toBe('owner');
  const other = await factory.tenant();
  const email = uniqueEmail('invitee');
  factory.removeAfterwards({ email });

  await invite(page, email, 'viewer');
  const pending = page
    .getByRole('table', { name: 'Open invitations' })
    .getByRole('row')
    .filter({ hasText: email });
  await expect(pending).toContainText('Viewer');

  // The invitee: another browser, signed in nowhere.
  const context = await browser.newContext();
  const invitee = await context.newPage();
  try {
    const href = await linkInMailbox(invitee, email);
    // Built from configuration: the tenant's own portal address.
    expect(href.startsWith(`${tenant.origin}/invite/`)).toBe(true);

    // On another tenant's host the same link is simply not valid.
    await invitee.goto(href.replace(tenant.origin, other.origin));
    await expect(
      invitee.getByRole('heading', { name: 'This invitation is no longer valid' }),
    ).toBeVisible();

    await invitee.goto(`${ROOT_URL}/dev/mailbox`);
    await invitee
      .getByRole('listitem')
      .filter({ hasText: email })
      .first()
      .getByRole('link', { name: LINK })
      .click();
    await expect(invitee).toHaveURL(href);
    await expect(invitee.getByRole('heading', { name: `Join ${tenant.name}` })).toBeVisible();
    await expect(invitee.getByLabel('E-mail')).toHaveValue(email);
    await invitee.getByLabel('Your name').fill('Ivy Invitee');
    await invitee.getByLabel('Choose a password').fill('ivy-invitee-password');
    await invitee.getByRole('button', { name: 'Create account and join' }).click();

    await expect(invitee).toHaveURL(`${tenant.origin}/documents`);
    await expect(invitee.getByRole('heading', { name: 'Documents', level: 1 })).toBeVisible();
    await expect(invitee.getByRole('navigation', { name: 'Main' })).toContainText('Ivy Invitee');
    await expect(invitee.getByRole('link', { name: 'New document' })).toHaveCount(0);
    const user = await db.userByEmail(email);
    expect(user).toBeDefined();
    expect(await db.roleOf(tenant.id, user!.id)).toBe('viewer');

    await invitee.goto(href);
    await expect(
      invitee.getByRole('heading', { name: 'This invitation is no longer valid' }),
    ).toBeVisible();
  } finally {
    await context.close();
  }

  await page.reload();
  await expect(page.getByRole('table', { name: 'Members of this workspace' })).toContainText(email);
  await expect(page.getByRole('table', { name: 'Open invitations' })).toHaveCount(0);
  const actions = (await db.auditEventsOf(tenant.id)).map((e) => e.action);
  expect(actions).toEqual(
    expect.arrayContaining(['invitation.created', 'invitation.accepted', 'member.joined']),
  );
});

test('a revoked invitation’s link says it is no longer valid', async ({ page, signedInOwner }) => {
  expect(signedInOwner.role).toBe('owner');
  const email = uniqueEmail('revoked');
  await invite(page, email, 'member');
  const href = await linkInMailbox(page, email);

  await page.goto('/settings/members');
  const row = page
    .getByRole('table', { name: 'Open invitations' })
    .getByRole('row')
    .filter({ hasText: email });
  await row.getByRole('button', { name: /^Revoke/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(page.getByRole('table', { name: 'Open invitations' })).toHaveCount(0);

  await page.goto(href);
  await expect(
    page.getByRole('heading', { name: 'This invitation is no longer valid' }),
  ).toBeVisible();
});

test('the development mailbox is on the root domain only', async ({ page, tenant }) => {
  const onRoot = await page.goto(`${ROOT_URL}/dev/mailbox`);
  expect(onRoot?.status()).toBe(200);
  const onTenant = await page.goto(`${tenant.origin}/dev/mailbox`);
  expect(onTenant?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Development mailbox' })).toHaveCount(0);
});
