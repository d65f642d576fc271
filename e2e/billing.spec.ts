import type { Page } from '@playwright/test';
import { eq, like } from 'drizzle-orm';
import { mailOutbox, tenants } from '@/db/schema';
import { expect, openSettingsSection, signIn, test } from './fixtures';
import { runServerJob } from './support/jobs';

function planCard(page: Page, name: string) {
  return page
    .getByRole('region', { name: 'Change plan' })
    .getByRole('listitem')
    .filter({ hasText: new RegExp(`^${name}`) });
}

test('an owner sees plan, spend and forecast, upgrades with a trial and schedules a cancellation', async ({
  page,
  tenant,
  owner,
  db,
}) => {
  await db.platform((tx) =>
    tx.update(tenants).set({ plan: 'free' }).where(eq(tenants.id, tenant.id)),
  );
  await signIn(page, tenant.origin, owner);

  await test.step('open Settings → Billing', async () => {
    await openSettingsSection(page, {
      link: 'Billing',
      path: '/settings/billing',
      heading: 'Billing',
    });
    const plan = page.getByRole('region', { name: 'Plan', exact: true });
    await expect(plan).toContainText('Free');
    await expect(plan).toContainText('$0.00 a month');
    await expect(page.getByTestId('spend-to-date')).toHaveText('$0.00');
    await expect(page.getByTestId('spend-forecast')).toHaveText('$0.00');
    await expect(page.getByRole('region', { name: 'Invoices', exact: true })).toContainText(
      'No invoices yet',
    );
    await expect(planCard(page, 'Pro')).toContainText('14-day free trial');
  });

  await test.step('upgrade to Pro: applies at once, with the trial', async () => {
    await planCard(page, 'Pro').getByRole('button', { name: 'Upgrade to Pro' }).click();
    const plan = page.getByRole('region', { name: 'Plan', exact: true });
    await expect(plan).toContainText('Pro');
    await expect(plan).toContainText(/Trial until \d{1,2} \w+ \d{4}/);
    await expect(page.getByRole('region', { name: 'Spend this period' })).toContainText(
      'Pro plan (trial)',
    );
    expect((await db.tenantBySlug(tenant.slug))?.plan).toBe('pro');
  });

  await test.step('cancel at period end, then withdraw it', async () => {
    await planCard(page, 'Free').getByRole('button', { name: 'Cancel at period end' }).click();
    await expect(page.getByRole('region', { name: 'Plan', exact: true })).toContainText(
      'Cancels at the end of the period',
    );
    expect((await db.tenantBySlug(tenant.slug))?.plan).toBe('pro');
    await planCard(page, 'Pro').getByRole('button', { name: 'Keep Pro' }).click();
    await expect(page.getByRole('region', { name: 'Plan', exact: true })).not.toContainText(
      'Cancels',
    );
  });

  const actions = (await db.auditEventsOf(tenant.id)).map((event) => event.action);
  expect(actions.filter((action) => action === 'billing.plan_changed')).toHaveLength(3);
});

test('a budget alerts billing managers as spend crosses its thresholds', async ({
  page,
  tenant,
  signedInOwner,
  db,
}) => {
  expect(tenant.plan).toBe('pro');
  await openSettingsSection(page, {
    link: 'Billing',
    path: '/settings/billing',
    heading: 'Billing',
  });
  const budget = page.getByRole('region', { name: 'Budget', exact: true });
  await expect(budget).toContainText('No budget set.');

  await test.step('a bad amount is refused with a clear message', async () => {
    await budget.getByLabel('Monthly budget (USD)').fill('sixty');
    await budget.getByRole('button', { name: 'Save budget' }).click();
    await expect(budget.getByText('Enter an amount like 250 or 250.50.')).toBeVisible();
  });

  await test.step('a $60 budget: the $49 plan is 81 % of it', async () => {
    await budget.getByLabel('Monthly budget (USD)').fill('60');
    await budget.getByLabel('Alert at (% of the budget)').fill('50, 80, 100');
    await budget.getByRole('button', { name: 'Save budget' }).click();
    await expect(budget).toContainText('$49.00 of $60.00 spent (81 %)');
    await expect(budget.getByRole('progressbar', { name: 'Budget spent' })).toHaveAttribute(
      'aria-valuenow',
      '81',
    );
  });

  await test.step('the alert job tells billing managers once, and the page shows it', async () => {
    await runServerJob('@/lib/billing/budgets', 'sendBudgetAlerts');
    await runServerJob('@/lib/billing/budgets', 'sendBudgetAlerts');
    await page.reload();
    const alerts = page.getByRole('region', { name: 'Budget alerts this period' });
    await expect(alerts.getByRole('listitem')).toHaveCount(2);
    await expect(alerts).toContainText('Spend reached 80 % of the $60.00 budget ($49.00).');
    await expect(alerts).toContainText('Spend reached 50 % of the $60.00 budget ($49.00).');
    const mails = await db.platform((tx) =>
      tx
        .select({ to: mailOutbox.recipient, subject: mailOutbox.subject })
        .from(mailOutbox)
        .where(like(mailOutbox.subject, `${tenant.name} has spent %`)),
    );
    expect(mails).toEqual([
      {
        to: signedInOwner.email,
        subject: `${tenant.name} has spent 80 % of its ${new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date())} budget`,
      },
    ]);
  });
});
