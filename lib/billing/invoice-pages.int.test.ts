import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { activityEvents } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { saveInvoice } from './invoices';
import { downloadInvoicePdf, loadInvoiceList, loadInvoiceOr404 } from './invoice-pages';
import { encodeInvoiceCursor } from './invoice-view';
import { loadTenantInvoicesConsole } from './settlement';

let handle: DatabaseHandle;
let acme: { id: string; slug: string };
let globex: { id: string; slug: string };
let actor: { type: 'user'; id: string };
const invoiceIds: string[] = [];
let globexInvoice: string;

async function seed(tenant: { id: string; slug: string }, month: number): Promise<string> {
  const periodStart = new Date(Date.UTC(2025, month, 1));
  const saved = await withPlatform((tx) =>
    saveInvoice(tx, {
      tenantId: tenant.id,
      source: 'internal',
      number: `${tenant.slug.toUpperCase()}-${month + 1}`,
      status: 'open',
      currency: 'usd',
      periodStart,
      periodEnd: new Date(Date.UTC(2025, month + 1, 1)),
      lines: [
        { kind: 'plan', description: 'Pro plan', quantity: 1, unitAmount: 29_900, amount: 29_900 },
      ],
    }),
  );
  return saved!.id;
}

const activity = (tenantId: string, action: string) =>
  withPlatform((tx) =>
    tx
      .select()
      .from(activityEvents)
      .where(and(eq(activityEvents.tenantId, tenantId), eq(activityEvents.action, action))),
  );

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant();
  globex = await createTenant();
  actor = { type: 'user', id: (await createMember(acme.id, { role: 'owner' })).userId };
  // Newest period first: December, November, October.
  for (const month of [11, 10, 9]) invoiceIds.push(await seed(acme, month));
  globexInvoice = await seed(globex, 11);
});

afterAll(async () => {
  await teardownTestDatabase(handle);
});

describe('loadInvoiceList', () => {
  it('pages through the tenant’s invoices only, newest period first', async () => {
    const first = await loadInvoiceList({ tenantId: acme.id, after: undefined });
    expect(first.invoices.map((invoice) => invoice.id)).toEqual(invoiceIds);
    expect(first).toMatchObject({ next: null, paged: false, invalidCursor: false });

    const after = encodeInvoiceCursor({
      periodStart: new Date(Date.UTC(2025, 11, 1)),
      id: invoiceIds[0]!,
    });
    const second = await loadInvoiceList({ tenantId: acme.id, after });
    expect(second.invoices.map((invoice) => invoice.id)).toEqual(invoiceIds.slice(1));
    expect(second.paged).toBe(true);
  });

  it('ignores a malformed cursor and says so', async () => {
    const page = await loadInvoiceList({ tenantId: acme.id, after: 'nonsense' });
    expect(page.invoices).toHaveLength(3);
    expect(page.invalidCursor).toBe(true);
  });
});

describe('loadInvoiceOr404', () => {
  it('loads the tenant’s invoice with its lines', async () => {
    const invoice = await loadInvoiceOr404({ tenantId: acme.id, id: invoiceIds[0]!, actor });
    expect(invoice.lines.map((line) => line.description)).toEqual(['Pro plan']);
  });

  it('is the 404 page for another tenant’s invoice, recorded as an unknown id', async () => {
    await expect(loadInvoiceOr404({ tenantId: acme.id, id: globexInvoice, actor })).rejects.toThrow(
      /NEXT_HTTP_ERROR_FALLBACK;404/,
    );
    await expect(loadInvoiceOr404({ tenantId: acme.id, id: 'not-a-uuid', actor })).rejects.toThrow(
      /NEXT_HTTP_ERROR_FALLBACK;404/,
    );
    const [event] = await activity(acme.id, 'request.unknown_id');
    expect(event).toMatchObject({ targetType: 'invoice', targetId: globexInvoice });
  });
});

describe('downloadInvoicePdf', () => {
  it('renders the PDF, names it after the invoice and records the download', async () => {
    const { filename, pdf } = await downloadInvoicePdf({
      tenantId: acme.id,
      id: invoiceIds[0]!,
      actor,
      request: { requestId: 'req-pdf', ip: '203.0.113.9', userAgent: 'vitest' },
      workspaceName: 'Acme',
    });
    expect(filename).toBe(`${acme.slug.toUpperCase()}-12.pdf`);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    expect(await activity(acme.id, 'invoice.downloaded')).toEqual([
      expect.objectContaining({
        stream: 'access',
        channel: 'export',
        actorId: actor.id,
        targetId: invoiceIds[0],
        requestId: 'req-pdf',
      }),
    ]);
  });

  it('refuses another tenant’s invoice as not found', async () => {
    await expect(
      downloadInvoicePdf({ tenantId: acme.id, id: globexInvoice, actor, workspaceName: 'Acme' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await activity(globex.id, 'invoice.downloaded')).toEqual([]);
  });
});

describe('loadTenantInvoicesConsole', () => {
  it('lists any tenant’s invoices for operators, with its billing mode', async () => {
    const data = await loadTenantInvoicesConsole(acme.id, undefined);
    expect(data?.tenant.id).toBe(acme.id);
    expect(data?.mode).toBe('internal');
    expect(data?.invoices.map((invoice) => invoice.id)).toEqual(invoiceIds);
  });

  it('is null for an unknown or malformed tenant id', async () => {
    expect(
      await loadTenantInvoicesConsole('00000000-0000-4000-8000-000000000000', undefined),
    ).toBeNull();
    expect(await loadTenantInvoicesConsole('acme', undefined)).toBeNull();
  });
});
