// POST /api/webhooks/stripe — Stripe's subscription, invoice and payment events; guarded by the Stripe-Signature header (lib/billing/webhooks.ts), 404 in internal billing mode
import { handleStripeWebhook } from '@/lib/billing';

export const dynamic = 'force-dynamic';

export const POST = handleStripeWebhook;
