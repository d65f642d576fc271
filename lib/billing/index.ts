export { ratePeriod, type ChargeLine, type PeriodCharges } from './rating';
export { createStripeClient, stripeFromEnv } from './stripe';
export {
  basePriceKey,
  meterEventName,
  overagePriceKey,
  productId,
  syncStripeCatalogue,
  type SyncAction,
} from './catalogue';
