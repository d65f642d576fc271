import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, fillSignInForm, test } from './fixtures';

async function download(page: Page, link: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: link }).click(),
  ]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

const logTab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Logs' }).getByRole('link', { name, exact: true });

test('an owner finds a document view in the Access tab and a failed sign-in in the Security tab, and downloads both', async ({
  page,
  tenant,
  owner,
}) => {
  const title = 'Board minutes, March';

  await test.step('a wrong password first, then the right one', async () => {
    await page.goto('/sign-in');
    await fillSignInForm(page, { email: owner.email, password: `${owner.password}-wrong` });
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(
      'That e-mail and password do not match an account of this workspace.',
    );
    await page.goto('/sign-in');
    await fillSignInForm(page, owner);
    await expect(page).toHaveURL('/documents');
  });

  await test.step('create a document, then open it from the list', async () => {
    await page.getByRole('link', { name: 'New document' }).click();
    await page.getByLabel('Title').fill(title);
    await page.getByRole('button', { name: 'Create document' }).click();
    await expect(page).toHaveURL(/\/documents\/[0-9a-f-]{36}$/);
    await page.goto('/documents');
    await page.getByRole('link', { name: title }).click();
    await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
  });

  await test.step('the Access tab shows the views, through the web portal', async () => {
    await page.goto('/settings/audit');
    await expect(logTab(page, 'Audit')).toHaveAttribute('aria-current', 'page');
    await logTab(page, 'Access').click();
    await expect(page).toHaveURL('/settings/audit?log=access');
    await expect(page.getByRole('heading', { name: 'Access log', level: 1 })).toBeVisible();
    await expect(logTab(page, 'Access')).toHaveAttribute('aria-current', 'page');
    const views = page.getByRole('row').filter({ hasText: 'document.viewed' });
    // Once after creating it, once from the list.
    await expect(views).toHaveCount(2);
    await expect(views.first()).toContainText('Document viewed');
    await expect(views.first()).toContainText('Web portal');
    await expect(views.first()).toContainText(owner.name);
    await expect(views.first()).toContainText(`title: ${title}`);
    await expect(page.getByRole('row').filter({ hasText: 'document.listed' })).toHaveCount(2);
  });

  await test.step('filter the access log and download it as CSV', async () => {
    await page.getByLabel('Action').selectOption('document.viewed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]action=document\.viewed(&|$)/);
    expect(new URL(page.url()).searchParams.get('log')).toBe('access');
    await expect(page.getByRole('row').filter({ hasText: 'document.listed' })).toHaveCount(0);
    await expect(page.getByRole('row').filter({ hasText: 'document.viewed' })).toHaveCount(2);

    const csv = await download(page, 'Download CSV');
    expect(csv.name).toMatch(new RegExp(`^access-log-${tenant.slug}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toMatch(/^created_at,action,channel,actor_type,actor_id,actor_name,/);
    expect(lines).toHaveLength(4); // header, two views, the final CRLF
    expect(lines[1]).toContain(',document.viewed,web,user,');
    expect(lines[1]).toContain(owner.email);
  });

  await test.step('the Security tab shows the failed and the successful sign-in', async () => {
    await logTab(page, 'Security').click();
    await expect(page).toHaveURL('/settings/audit?log=security');
    await expect(page.getByRole('heading', { name: 'Security log', level: 1 })).toBeVisible();
    const failed = page.getByRole('row').filter({ hasText: 'auth.sign_in_failed' });
    await expect(failed).toHaveCount(1);
    await expect(failed).toContainText('Sign-in failed');
    await expect(failed).toContainText(owner.name);
    await expect(failed).toContainText('reason: wrong_password');
    await expect(page.getByRole('row').filter({ hasText: 'auth.signed_in' })).toHaveCount(1);

    const json = await download(page, 'Download JSON');
    expect(json.name).toMatch(
      new RegExp(`^security-log-${tenant.slug}-\\d{4}-\\d{2}-\\d{2}\\.json$`),
    );
    const events = JSON.parse(json.text) as Array<Record<string, unknown>>;
    expect(events.map((event) => event.action)).toEqual(['auth.signed_in', 'auth.sign_in_failed']);
    expect(events[1]).toMatchObject({
      channel: 'web',
      actorType: 'user',
      actorId: owner.id,
      metadata: { email: owner.email, reason: 'wrong_password' },
    });
  });

  await test.step('both downloads are in the access log, as exports', async () => {
    await logTab(page, 'Access').click();
    const exports = page.getByRole('row').filter({ hasText: 'log.exported' });
    await expect(exports).toHaveCount(2);
    await expect(exports.first()).toContainText('Download');
    await expect(exports.first()).toContainText('log: security');
    await expect(exports.last()).toContainText('log: access');
  });
});

test('repeated failed sign-ins lock the account for a while, raising one security event', async ({
  page,
  browser,
  tenant,
  member,
  owner,
}) => {
  const locked =
    /^This account is temporarily locked after too many failed sign-ins\. Try again in \d+ minutes? \(after \d{2}:\d{2} UTC\)\.$/;
  for (let i = 1; i <= 4; i++) {
    // A fresh form each time: the message is the same, so it cannot tell one answer from the next.
    await page.goto('/sign-in');
    await fillSignInForm(page, { email: member.email, password: `wrong-${i}` });
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(
      'That e-mail and password do not match an account of this workspace.',
    );
  }
  // The fifth failure locks the account, and says so.
  await page.goto('/sign-in');
  await fillSignInForm(page, { email: member.email, password: 'wrong-5' });
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(locked);
  // While locked even the right password is refused.
  await page.goto('/sign-in');
  await fillSignInForm(page, member);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(locked);
  await expect(page).toHaveURL('/sign-in');

  // The owner (another account, unaffected) sees one lock in the security log.
  const ownerContext = await browser.newContext({ baseURL: tenant.origin });
  const ownerPage = await ownerContext.newPage();
  await ownerPage.goto('/sign-in');
  await fillSignInForm(ownerPage, owner);
  await expect(ownerPage).toHaveURL('/documents');
  await ownerPage.goto('/settings/audit?log=security&action=auth.account_locked');
  const lock = ownerPage.getByRole('row').filter({ hasText: 'auth.account_locked' });
  await expect(lock).toHaveCount(1);
  await expect(lock).toContainText('Account locked');
  await expect(lock).toContainText(member.name);
  await ownerPage.goto('/settings/audit?log=security&action=auth.sign_in_rate_limited');
  await expect(
    ownerPage.getByRole('row').filter({ hasText: 'auth.sign_in_rate_limited' }),
  ).toHaveCount(1);
  await ownerContext.close();
});
