import { readFile } from 'node:fs/promises';
import type { APIRequestContext, APIResponse, BrowserContext, Page } from '@playwright/test';
import { expect, openSettingsSection, sessionCookie, test } from './fixtures';
import { E2E_PORT } from './support/env';

/**
 * A GET on the tenant's host from outside the browser, with the browser's session cookie when
 * given. Node cannot resolve `*.localhost`, so it connects to loopback and names the host.
 */
async function hostGet(
  request: APIRequestContext,
  origin: string,
  path: string,
  options: { context?: BrowserContext; headers?: Record<string, string> } = {},
): Promise<APIResponse> {
  const headers: Record<string, string> = { Host: new URL(origin).host, ...options.headers };
  if (options.context) {
    const cookie = await sessionCookie(options.context, origin);
    headers.Cookie = `${cookie.name}=${cookie.value}`;
  }
  return request.get(`http://127.0.0.1:${E2E_PORT}${path}`, { headers, maxRedirects: 0 });
}

async function download(page: Page, link: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: link }).click(),
  ]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

const utcDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

test('an owner filters the audit log and downloads it as CSV and JSON', async ({
  page,
  context,
  request,
  tenant,
  signedInOwner,
  db,
}) => {
  const title = 'Quarterly report, final';
  await test.step('create a document', async () => {
    await page.getByRole('link', { name: 'New document' }).click();
    await page.getByLabel('Title').fill(title);
    await page.getByRole('button', { name: 'Create document' }).click();
    await expect(page).toHaveURL(/\/documents\/[0-9a-f-]{36}$/);
  });
  const documentId = await db.documentId(tenant.id, title);

  await test.step('open Settings → Audit log', async () => {
    await openSettingsSection(page, {
      link: 'Audit log',
      path: '/settings/audit',
      heading: 'Audit log',
    });
    // Unfiltered: the sign-in and the document are both there.
    await expect(page.getByRole('row').filter({ hasText: 'auth.signed_in' })).toHaveCount(1);
    await expect(page.getByRole('row').filter({ hasText: 'document.created' })).toHaveCount(1);
  });

  await test.step('page through one event at a time', async () => {
    await page.goto('/settings/audit?limit=1');
    await expect(page.getByRole('row').filter({ hasText: 'document.created' })).toHaveCount(1);
    await expect(page.getByRole('row').filter({ hasText: 'auth.signed_in' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: '← Newest' })).toHaveCount(0);
    await page.getByRole('link', { name: 'Older →' }).click();
    await expect(page).toHaveURL(/\?limit=1&cursor=\d+$/);
    await expect(page.getByRole('row').filter({ hasText: 'auth.signed_in' })).toHaveCount(1);
    await expect(page.getByRole('row').filter({ hasText: 'document.created' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Older →' })).toHaveCount(0);
    await page.getByRole('link', { name: '← Newest' }).click();
    await expect(page).toHaveURL('/settings/audit?limit=1');
    await page.goto('/settings/audit?cursor=nonsense');
    await expect(
      page.getByRole('alert').filter({ hasText: 'That page link is not valid' }),
    ).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'document.created' })).toHaveCount(1);
    await page.goto('/settings/audit');
  });

  await test.step('filter by action: the owner created the document', async () => {
    await page.getByLabel('Action').selectOption('document.created');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]action=document\.created(&|$)/);
    const rows = page.getByRole('row').filter({ hasText: 'document.created' });
    await expect(rows).toHaveCount(1);
    await expect(page.getByRole('row').filter({ hasText: 'auth.signed_in' })).toHaveCount(0);
    await expect(rows).toContainText('Document created');
    await expect(rows).toContainText(signedInOwner.name);
    await expect(rows).toContainText(documentId);
    await expect(rows).toContainText(`title: ${title}`);
    await expect(page.getByLabel('Action')).toHaveValue('document.created');
  });

  await test.step('a date range that ends yesterday is empty', async () => {
    await page.getByLabel('From (UTC)').fill(utcDay(-7));
    await page.getByLabel('To (UTC)').fill(utcDay(-1));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByText('No events match these filters.')).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL('/settings/audit');
    await expect(page.getByLabel('From (UTC)')).toHaveValue('');
    await page.getByLabel('Action').selectOption('document.created');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The unfiltered page has this row too: wait for the filtered one, whose download links
    // carry the filter.
    await expect(page).toHaveURL(/[?&]action=document\.created(&|$)/);
    await expect(page.getByRole('row').filter({ hasText: 'auth.signed_in' })).toHaveCount(0);
    await expect(page.getByRole('row').filter({ hasText: 'document.created' })).toHaveCount(1);
  });

  await test.step('download the filtered log as CSV and as JSON', async () => {
    const filename = new RegExp(`^audit-log-${tenant.slug}-\\d{4}-\\d{2}-\\d{2}\\.`);
    const csv = await download(page, 'Download CSV');
    expect(csv.name).toMatch(filename);
    expect(csv.name.endsWith('.csv')).toBe(true);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toMatch(/^seq,created_at,action,actor_type,actor_id,actor_name,actor_email,/);
    expect(lines).toHaveLength(3); // header, the one event, the final CRLF
    expect(lines[1]).toContain(',document.created,user,');
    expect(lines[1]).toContain(signedInOwner.email);
    expect(lines[1]).toContain(documentId);
    // The title has a comma, so the metadata cell is quoted with its quotes doubled.
    expect(lines[1]).toContain(`"{""title"":""${title}""}"`);

    const json = await download(page, 'Download JSON');
    expect(json.name).toMatch(filename);
    expect(json.name.endsWith('.json')).toBe(true);
    const events = JSON.parse(json.text) as Array<Record<string, unknown>>;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'document.created',
      actorType: 'user',
      actorName: signedInOwner.name,
      actorEmail: signedInOwner.email,
      targetType: 'document',
      targetId: documentId,
      metadata: { title },
    });
  });

  await test.step('the responses are private attachments, and each export is audited', async () => {
    const csv = await hostGet(request, tenant.origin, '/settings/audit/export.csv?action=auth.', {
      context,
    });
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers()['cache-control']).toBe('no-store');
    expect(csv.headers()['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="audit-log-${tenant.slug}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`),
    );
    expect(await csv.text()).toContain(',auth.signed_in,');

    const json = await hostGet(request, tenant.origin, '/settings/audit/export.json', { context });
    expect(json.status()).toBe(200);
    expect(json.headers()['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers()['cache-control']).toBe('no-store');
    expect(json.headers()['content-disposition']).toContain('attachment; filename="audit-log-');
    const all = (await json.json()) as Array<{ action: string }>;
    // The two browser downloads and the CSV above were recorded before this export read the log.
    expect(all.filter((event) => event.action === 'audit.exported')).toHaveLength(3);

    const exports = (await db.auditEventsOf(tenant.id)).filter(
      (event) => event.action === 'audit.exported',
    );
    expect(exports).toHaveLength(4);
    expect(exports[0]).toMatchObject({
      actorType: 'user',
      actorId: signedInOwner.id,
      metadata: { format: 'csv', filters: { action: 'document.created' }, rows: 1 },
    });
    expect(exports.map((event) => event.metadata.format)).toEqual(['csv', 'json', 'csv', 'json']);

    await page.goto('/settings/audit?action=audit.');
    await expect(page.getByRole('row').filter({ hasText: 'Audit log exported' })).toHaveCount(4);
  });

  await test.step('refused: another site, bad filters, no session', async () => {
    const crossSite = await hostGet(request, tenant.origin, '/settings/audit/export.csv', {
      context,
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(crossSite.status()).toBe(403);
    const badFilter = await hostGet(
      request,
      tenant.origin,
      '/settings/audit/export.json?from=yesterday',
      { context },
    );
    expect(badFilter.status()).toBe(400);
    expect(await badFilter.json()).toMatchObject({
      error: { code: 'invalid_input', details: { from: ['Use a date like 2025-01-31.'] } },
    });
    const signedOut = await hostGet(request, tenant.origin, '/settings/audit/export.csv');
    expect(signedOut.status()).toBe(401);
    expect(signedOut.headers()['cache-control']).toBe('no-store');
    expect(await signedOut.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    const recorded = (await db.auditEventsOf(tenant.id)).filter(
      (event) => event.action === 'audit.exported',
    );
    expect(recorded).toHaveLength(4);

    await db.setTenantStatus(tenant.id, 'suspended');
    const suspended = await hostGet(request, tenant.origin, '/settings/audit/export.json', {
      context,
    });
    expect(suspended.status()).toBe(403);
    expect(await suspended.json()).toMatchObject({ error: { code: 'tenant_suspended' } });
  });
});

test('a member can neither open the audit log nor download it', async ({
  page,
  context,
  request,
  tenant,
  signedInMember,
  db,
}) => {
  expect(signedInMember.role).toBe('member');
  await page.goto('/settings/members');
  await expect(page.getByRole('heading', { name: 'Members', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);

  await page.goto('/settings/audit');
  await expect(
    page.getByRole('heading', { name: 'You don’t have access to this page' }),
  ).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);

  for (const path of ['/settings/audit/export.csv', '/settings/audit/export.json']) {
    const refused = await hostGet(request, tenant.origin, path, { context });
    expect(refused.status()).toBe(403);
    expect(refused.headers()['content-disposition']).toBeUndefined();
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
  }
  const exports = (await db.auditEventsOf(tenant.id)).filter(
    (event) => event.action === 'audit.exported',
  );
  expect(exports).toHaveLength(0);
});
