import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { auditEvents, billingAccounts, invoices, tenants, type TenantStatus } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { AppError } from '@/lib/errors';
import { saveInvoice, type InvoiceInput } from './invoices';
import { markInvoicePaid, voidInvoice } from './settlement';

let handle: DatabaseHandle;
let operatorId: string;

const now = new Date('2026-03-01T12:00:00Z');
const month = (m: number) => new Date(Date.UTC(2026, m - 1, 1));

beforeAll(async () => {
  handle = await setupTestDatabase();
  // Any user will do as the settling operator: settled_by and the audit actor are a users.id.
  const home = await createTenant();
  operatorId = (await createMember(home.id)).userId;
});

afterAll(async () => {
  await teardownTestDatabase(handle);
});

/** A tenant in `status`, its billing account past due since February when it is not active. */
async function billedTenant(
  status: TenantStatus,
  account: { suspendedForNonpayment?: boolean } = {},
) {
  const tenant = await createTenant({ status });
  await withPlatform((tx) =>
    tx.insert(billingAccounts).values({
      tenantId: tenant.id,
      pastDueSince: status === 'active' ? null : new Date('2026-02-16T00:00:00Z'),
      suspendedForNonpayment: account.suspendedForNonpayment ?? false,
    }),
  );
  return tenant;
}

async function invoiceOf(
  tenant: { id: string; slug: string },
  overrides: Partial<InvoiceInput> = {},
): Promise<string> {
  const periodStart = overrides.periodStart ?? month(1);
  const [year, m] = [periodStart.getUTCFullYear(), periodStart.getUTCMonth()];
  const saved = await withPlatform((tx) =>
    saveInvoice(tx, {
      tenantId: tenant.id,
      source: 'internal',
      number: `${tenant.slug.toUpperCase()}-${year}${m + 1}`,
      status: 'open',
      currency: 'usd',
      periodStart,
      periodEnd: new Date(Date.UTC(year, m + 1, 1)),
      issuedAt: new Date(Date.UTC(year, m + 1, 1)),
      dueAt: new Date(Date.UTC(year, m + 1, 15)),
      lines: [
        {
          kind: 'plan',
          description: 'Starter plan',
          quantity: 1,
          unitAmount: 4_900,
          amount: 4_900,
        },
        { kind: 'tax', description: 'Tax', quantity: 1, unitAmount: null, amount: 392 },
      ],
      ...overrides,
    }),
  );
  return saved!.id;
}

const read = (invoiceId: string) =>
  withPlatform(
    async (tx) => (await tx.select().from(invoices).where(eq(invoices.id, invoiceId)))[0]!,
  );

const tenantStatus = (tenantId: string) =>
  withPlatform(
    async (tx) =>
      (
        await tx.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, tenantId))
      )[0]!.status,
  );

const account = (tenantId: string) =>
  withPlatform(
    async (tx) =>
      (await tx.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId)))[0]!,
  );

const auditOf = (tenantId: string, action: string) =>
  withPlatform((tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, action))),
  );

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('markInvoicePaid', () => {
  it('settles the invoice in full, audits it as the operator and restores a past-due tenant', async () => {
    const tenant = await billedTenant('past_due');
    const invoiceId = await invoiceOf(tenant);

    const settled = await withPlatform((tx) =>
      markInvoicePaid(tx, { invoiceId, operatorId, now, request: { requestId: 'req-1' } }),
    );

    expect(settled).toMatchObject({ id: invoiceId, tenantId: tenant.id, status: 'paid' });
    expect(await read(invoiceId)).toMatchObject({
      status: 'paid',
      total: 5_292,
      amountPaid: 5_292,
      amountDue: 0,
      paidAt: now,
      settledBy: operatorId,
    });
    expect(await tenantStatus(tenant.id)).toBe('active');
    expect((await account(tenant.id)).pastDueSince).toBeNull();

    const [audit] = await auditOf(tenant.id, 'invoice.marked_paid');
    expect(audit).toMatchObject({
      actorType: 'operator',
      actorId: operatorId,
      targetType: 'invoice',
      targetId: invoiceId,
      requestId: 'req-1',
      metadata: { number: settled.number, currency: 'usd', total: 5_292, amountDue: 5_292 },
    });
    // The restoration is audited too, as billing's (the system's) doing.
    expect(await auditOf(tenant.id, 'tenant.status_changed')).toEqual([
      expect.objectContaining({ actorType: 'system' }),
    ]);
  });

  it('restores a tenant billing suspended for non-payment', async () => {
    const tenant = await billedTenant('suspended', { suspendedForNonpayment: true });
    const invoiceId = await invoiceOf(tenant);
    await withPlatform((tx) => markInvoicePaid(tx, { invoiceId, operatorId, now }));
    expect(await tenantStatus(tenant.id)).toBe('active');
    expect((await account(tenant.id)).suspendedForNonpayment).toBe(false);
  });

  it('leaves the tenant past due while another invoice is overdue', async () => {
    const tenant = await billedTenant('past_due');
    const january = await invoiceOf(tenant, { periodStart: month(1) });
    await invoiceOf(tenant, { periodStart: new Date(Date.UTC(2025, 11, 1)) });
    await withPlatform((tx) => markInvoicePaid(tx, { invoiceId: january, operatorId, now }));
    expect((await read(january)).status).toBe('paid');
    expect(await tenantStatus(tenant.id)).toBe('past_due');
  });

  it('refuses Stripe invoices, and invoices that are not open, changing nothing', async () => {
    const tenant = await billedTenant('past_due');
    const stripe = await invoiceOf(tenant, {
      source: 'stripe',
      stripeInvoiceId: `in_${tenant.slug}`,
      number: `STRIPE-${tenant.slug}`,
    });
    const voided = await invoiceOf(tenant, { periodStart: month(2), status: 'void' });
    const paid = await invoiceOf(tenant, { periodStart: month(3), status: 'paid' });

    const stripeRefusal = await refusal(
      withPlatform((tx) => markInvoicePaid(tx, { invoiceId: stripe, operatorId, now })),
    );
    expect(stripeRefusal.code).toBe('conflict');
    expect(stripeRefusal.message).toMatch(/Stripe/);

    const voidRefusal = await refusal(
      withPlatform((tx) => markInvoicePaid(tx, { invoiceId: voided, operatorId, now })),
    );
    expect(voidRefusal.code).toBe('invalid_transition');
    expect(voidRefusal.message).toMatch(/is void: only an open invoice can be marked paid/);

    const paidRefusal = await refusal(
      withPlatform((tx) => markInvoicePaid(tx, { invoiceId: paid, operatorId, now })),
    );
    expect(paidRefusal.code).toBe('invalid_transition');
    expect(paidRefusal.message).toMatch(/is paid/);

    const unknown = await refusal(
      withPlatform((tx) =>
        markInvoicePaid(tx, { invoiceId: '00000000-0000-4000-8000-000000000000', operatorId, now }),
      ),
    );
    expect(unknown.code).toBe('not_found');

    expect((await read(stripe)).status).toBe('open');
    expect((await read(voided)).status).toBe('void');
    expect(await auditOf(tenant.id, 'invoice.marked_paid')).toEqual([]);
    expect(await tenantStatus(tenant.id)).toBe('past_due');
  });
});

describe('voidInvoice', () => {
  it('voids an open internal invoice, audits it and restores the tenant it kept past due', async () => {
    const tenant = await billedTenant('past_due');
    const invoiceId = await invoiceOf(tenant);

    const settled = await withPlatform((tx) => voidInvoice(tx, { invoiceId, operatorId, now }));

    expect(settled.status).toBe('void');
    expect(await read(invoiceId)).toMatchObject({
      status: 'void',
      amountPaid: 0,
      amountDue: 0,
      paidAt: null,
      settledBy: operatorId,
    });
    expect(await tenantStatus(tenant.id)).toBe('active');
    expect(await auditOf(tenant.id, 'invoice.voided')).toEqual([
      expect.objectContaining({ actorType: 'operator', actorId: operatorId, targetId: invoiceId }),
    ]);
  });

  it('refuses Stripe invoices and settled ones', async () => {
    const tenant = await billedTenant('active');
    const stripe = await invoiceOf(tenant, {
      source: 'stripe',
      stripeInvoiceId: `in_${tenant.slug}`,
      number: `STRIPE-${tenant.slug}`,
    });
    const paid = await invoiceOf(tenant, { status: 'paid' });
    expect(
      (await refusal(withPlatform((tx) => voidInvoice(tx, { invoiceId: stripe, operatorId, now }))))
        .code,
    ).toBe('conflict');
    const again = await refusal(
      withPlatform((tx) => voidInvoice(tx, { invoiceId: paid, operatorId, now })),
    );
    expect(again.code).toBe('invalid_transition');
    expect(again.message).toMatch(/only an open invoice can be voided/);
    expect(await auditOf(tenant.id, 'invoice.voided')).toEqual([]);
  });
});
