export { ratePeriod, type ChargeLine, type PeriodCharges } from './rating';
export { createStripeClient, stripeFromEnv } from './stripe';
export { billingMode } from './mode';
export {
  basePriceKey,
  meterEventName,
  overagePriceKey,
  productId,
  syncStripeCatalogue,
  type SyncAction,
} from './catalogue';
export {
  getInvoice,
  internalInvoiceNumber,
  invoiceTotals,
  listInvoices,
  saveInvoice,
  type InvoiceCursor,
  type InvoiceInput,
  type InvoiceLineInput,
  type InvoiceWithLines,
} from './invoices';
export { recordInvoicePaid, recordPaymentFailed, suspendAfterGracePeriod } from './lifecycle';
export {
  billingAccountFor,
  changeInternalPlan,
  openBillingPortal,
  startCheckout,
  type PlanChange,
} from './subscriptions';
export { forecastFigures, periodSpend, rateWithTrial, type PeriodSpend } from './spend';
export {
  DEFAULT_BUDGET_THRESHOLDS,
  budgetAlertsOf,
  budgetInput,
  getBudget,
  removeBudget,
  saveBudget,
  sendBudgetAlerts,
  thresholdsReached,
  type BudgetInput,
} from './budgets';
export {
  planMeterReports,
  reconcileMeterReports,
  reportIdentifier,
  sendMeterReports,
} from './meter-reports';
export {
  BILLING_JOB_INTERVAL_MS,
  INVOICE_NET_DAYS,
  applyPeriodTransitions,
  issueInternalInvoices,
  markOverdueInvoices,
  runBillingJobs,
  startBillingSchedule,
  type BillingJobReport,
} from './jobs';
export {
  STRIPE_WEBHOOK_TOLERANCE_SECONDS,
  classifyPrice,
  handleStripeWebhook,
  processStripeEvent,
  type SignedWebhookHandler,
} from './webhooks';
export {
  getUnitCosts,
  loadCostReport,
  parsePeriod,
  periodKey,
  recentPeriods,
  setUnitCosts,
  tenantCostReport,
  unitCostLabels,
  unitCostsInput,
  centsToDollars,
  unitCostResources,
  type CostFlag,
  type CostPeriod,
  type UnitCostResource,
  type CostReportDTO,
  type TenantCostDTO,
  type UnitCostsDTO,
} from './costs';
export { loadBillingPage, type BillingPageDTO } from './page';
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
