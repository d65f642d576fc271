// The public surface of billing for pages, routes and scripts; jobs, tests and benches that need
// a step on its own import its module.
export { stripeFromEnv } from './stripe';
export { syncStripeCatalogue } from './catalogue';
export {
  changeInternalPlan,
  openBillingPortal,
  startCheckout,
  type PlanChange,
} from './subscriptions';
export { DEFAULT_BUDGET_THRESHOLDS, budgetInput, removeBudget, saveBudget } from './budgets';
export { runBillingJobs } from './jobs';
export { handleStripeWebhook } from './webhooks';
export {
  centsToDollars,
  loadCostReport,
  parsePeriod,
  periodKey,
  recentPeriods,
  setUnitCosts,
  unitCostLabels,
  unitCostResources,
  unitCostsInput,
  type CostFlag,
  type CostPeriod,
  type UnitCostResource,
} from './costs';
export { loadBillingPage } from './page';
export {
  formatBillingMonth,
  formatInvoiceDate,
  formatInvoicePeriod,
  invoiceStatusView,
} from './invoice-view';
export { downloadInvoicePdf, loadInvoiceList, loadInvoiceOr404 } from './invoice-pages';
export {
  loadTenantInvoicesConsole,
  markInvoicePaid,
  settleInvoiceInput,
  voidInvoice,
} from './settlement';
