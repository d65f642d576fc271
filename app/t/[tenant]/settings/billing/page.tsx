import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { requireMember } from '@/lib/actions';
import { DEFAULT_BUDGET_THRESHOLDS, loadBillingPage } from '@/lib/billing';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import {
  changePlanAction,
  checkoutAction,
  portalAction,
  removeBudgetAction,
  saveBudgetAction,
} from './actions';
import { BudgetForm, RemoveBudgetForm } from './_components/budget-form';
import { PlanChoiceForm } from './_components/plan-form';

export const metadata = { title: 'Billing' };

function meterTone(percent: number): string {
  if (percent >= 100) return 'bg-red-600';
  if (percent >= 80) return 'bg-amber-500';
  return 'bg-brand';
}

export default async function BillingPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, allowed } = await requireMember('billing:manage');
  if (!allowed) return <Forbidden />;
  const { checkout } = await searchParams;
  const billing = await withTenant(tenant.id, (tx) => loadBillingPage(tx, { tenantId: tenant.id }));
  const stripeMode = billing.mode === 'stripe';

  return (
    <section aria-labelledby="billing-heading" className="space-y-8">
      <div>
        <h1 id="billing-heading" className="text-2xl font-semibold">
          Billing
        </h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          {tenant.name}’s plan, what this period ({billing.period.label}, UTC) has cost so far and
          where it is heading, its budget and its invoices.
        </p>
      </div>

      {checkout === 'success' ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          Thank you — Stripe has your subscription. The plan below changes as soon as Stripe
          confirms it, usually within seconds.
        </p>
      ) : checkout === 'cancelled' ? (
        <p
          role="status"
          className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700"
        >
          Checkout was cancelled; nothing changed.
        </p>
      ) : null}

      {billing.alerts.length > 0 ? (
        <section
          aria-labelledby="budget-alerts-heading"
          className="rounded-lg border border-amber-300 bg-amber-50 p-4"
        >
          <h2 id="budget-alerts-heading" className="font-medium text-amber-900">
            Budget alerts this period
          </h2>
          <ul className="mt-2 space-y-1 text-sm text-amber-900">
            {billing.alerts.map((alert) => (
              <li key={alert.threshold}>
                {alert.text}{' '}
                <time dateTime={alert.at} className="text-amber-800">
                  ({alert.at.slice(0, 10)})
                </time>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="plan-heading" className="rounded-lg border border-slate-200 p-5">
          <h2 id="plan-heading" className="text-lg font-semibold">
            Plan
          </h2>
          <p className="mt-2 text-xl font-semibold">
            {billing.plan.name}{' '}
            <span className="text-base font-normal text-slate-600">{billing.plan.priceText}</span>
          </p>
          <p className="mt-1 text-sm">
            <Badge tone={billing.statusText === 'Payment overdue' ? 'danger' : 'neutral'}>
              {billing.statusText}
            </Badge>
          </p>
          <p className="mt-2 text-sm text-slate-600">
            This period runs to the end of {billing.period.endsText} (UTC).
          </p>
          {billing.pendingText ? (
            <p className="mt-2 text-sm text-amber-800">{billing.pendingText}</p>
          ) : null}
          {stripeMode ? (
            <div className="mt-4">
              {billing.hasStripeCustomer ? (
                <PlanChoiceForm
                  action={portalAction}
                  label="Manage payment method and subscription"
                  pendingLabel="Opening Stripe…"
                  variant="secondary"
                />
              ) : (
                <p className="text-sm text-slate-600">
                  Payment details are kept by Stripe once you subscribe to a paid plan.
                </p>
              )}
            </div>
          ) : (
            <p className="mt-4 text-sm text-slate-600">
              Invoices are issued at the end of each period and paid by bank transfer within 14
              days; your account manager records the payment.
            </p>
          )}
        </section>

        <section aria-labelledby="spend-heading" className="rounded-lg border border-slate-200 p-5">
          <h2 id="spend-heading" className="text-lg font-semibold">
            Spend this period
          </h2>
          <table className="mt-3 w-full text-sm">
            <caption className="sr-only">Charges so far this period</caption>
            <tbody>
              {billing.spend.lines.map((line) => (
                <tr key={line.description} className="border-b border-slate-100">
                  <th scope="row" className="py-1.5 text-left font-normal">
                    {line.description}
                  </th>
                  <td className="py-1.5 text-right tabular-nums">{line.amountText}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" className="pt-2 text-left">
                  Spend to date
                </th>
                <td
                  className="pt-2 text-right font-semibold tabular-nums"
                  data-testid="spend-to-date"
                >
                  {billing.spend.totalText}
                </td>
              </tr>
              <tr>
                <th scope="row" className="pt-1 text-left font-normal text-slate-600">
                  Forecast for the period
                </th>
                <td
                  className="pt-1 text-right text-slate-600 tabular-nums"
                  data-testid="spend-forecast"
                >
                  {billing.forecast.totalText}
                </td>
              </tr>
            </tfoot>
          </table>
          <p className="mt-2 text-xs text-slate-500">
            The forecast assumes usage goes on at this period’s pace; usage figures are brought up
            to date every minute or so.
          </p>
        </section>
      </div>

      <section aria-labelledby="plans-heading" className="space-y-3">
        <h2 id="plans-heading" className="text-lg font-semibold">
          Change plan
        </h2>
        <p className="max-w-2xl text-sm text-slate-600">
          {stripeMode && billing.hasSubscription
            ? 'Upgrades, downgrades and cancellation happen in the Stripe billing portal; cancelling takes effect at the end of the period.'
            : 'An upgrade applies at once. A downgrade, or cancelling to the Free plan, takes effect at the end of the period, so the period is billed on the plan you had.'}
        </p>
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
          {billing.plans.map((plan) => (
            <li
              key={plan.id}
              className="flex flex-col justify-between rounded-lg border border-slate-200 p-4"
            >
              <div>
                <p className="font-medium">{plan.name}</p>
                <p className="text-sm text-slate-600">{plan.priceText}</p>
                {plan.trialDays > 0 ? (
                  <p className="mt-1 text-sm text-emerald-800">{plan.trialDays}-day free trial</p>
                ) : null}
              </div>
              <div className="mt-3">
                {plan.current ? (
                  billing.pendingText && !stripeMode ? (
                    <PlanChoiceForm
                      action={changePlanAction}
                      plan={plan.id}
                      label={`Keep ${plan.name}`}
                      pendingLabel="Saving…"
                      variant="secondary"
                      done="Pending change withdrawn."
                    />
                  ) : (
                    <p className="text-sm font-medium text-slate-700">Current plan</p>
                  )
                ) : stripeMode ? (
                  billing.hasSubscription ? null : plan.change === 'upgrade' ? (
                    <PlanChoiceForm
                      action={checkoutAction}
                      plan={plan.id}
                      label={`Subscribe to ${plan.name}`}
                      pendingLabel="Opening Stripe…"
                    />
                  ) : null
                ) : (
                  <PlanChoiceForm
                    action={changePlanAction}
                    plan={plan.id}
                    label={
                      plan.change === 'upgrade'
                        ? `Upgrade to ${plan.name}`
                        : plan.id === 'free'
                          ? 'Cancel at period end'
                          : `Downgrade to ${plan.name} at period end`
                    }
                    pendingLabel="Saving…"
                    variant={plan.change === 'upgrade' ? 'primary' : 'secondary'}
                    done="Plan change saved."
                  />
                )}
              </div>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="budget-heading" className="space-y-3">
        <h2 id="budget-heading" className="text-lg font-semibold">
          Budget
        </h2>
        {billing.budget ? (
          <div className="max-w-md space-y-1">
            <p className="text-sm">
              {billing.spend.totalText} of {billing.budget.amountText} spent (
              {billing.budget.percent} %); forecast {billing.forecast.totalText} (
              {billing.budget.forecastPercent} %).
            </p>
            <div
              role="progressbar"
              aria-label="Budget spent"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.min(100, billing.budget.percent)}
              className="h-2 w-full overflow-hidden rounded bg-slate-100"
            >
              <div
                className={`h-full ${meterTone(billing.budget.percent)}`}
                style={{ width: `${Math.min(100, billing.budget.percent)}%` }}
              />
            </div>
            {billing.budget.capOverage ? (
              <p className="text-sm text-slate-600">
                Overage is capped at the budget: once it is spent, usage past the plan’s allowances
                is refused until the next period.
              </p>
            ) : null}
          </div>
        ) : (
          <p className="max-w-2xl text-sm text-slate-600">
            No budget set. A budget alerts billing managers as spend reaches its thresholds, and can
            cap overage so it is refused rather than billed.
          </p>
        )}
        <BudgetForm
          action={saveBudgetAction}
          values={{
            amount: billing.budget ? (billing.budget.amount / 100).toFixed(2) : '',
            thresholds: (billing.budget?.thresholds ?? DEFAULT_BUDGET_THRESHOLDS).join(', '),
            capOverage: billing.budget?.capOverage ?? false,
          }}
        />
        {billing.budget ? <RemoveBudgetForm action={removeBudgetAction} /> : null}
      </section>

      <section aria-labelledby="recent-invoices-heading" className="space-y-3">
        <div className="flex items-end justify-between">
          <h2 id="recent-invoices-heading" className="text-lg font-semibold">
            Invoices
          </h2>
          <Link href="/settings/billing/invoices" className="text-sm underline">
            All invoices
          </Link>
        </div>
        {billing.invoices.length === 0 ? (
          <p className="text-sm text-slate-600">
            No invoices yet — the first is issued at the end of the current period.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200">
            {billing.invoices.map((invoice) => (
              <li key={invoice.id} className="flex items-center justify-between px-4 py-2 text-sm">
                <Link href={`/settings/billing/invoices/${invoice.id}`} className="underline">
                  {invoice.number}
                </Link>
                <span className="text-slate-600">{invoice.periodText}</span>
                <span className="capitalize">{invoice.status}</span>
                <span className="tabular-nums">{invoice.totalText}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
