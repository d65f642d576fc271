import type { BillingMode } from '@/db/schema';
import { env } from '@/lib/env';

/**
 * Stripe mode when the deployment has Stripe keys (both, checked at start-up by lib/env);
 * otherwise internal mode: Tenantry rates, invoices and records payments itself.
 */
export function billingMode(): BillingMode {
  return env().STRIPE_SECRET_KEY ? 'stripe' : 'internal';
}
