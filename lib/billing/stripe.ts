import Stripe from 'stripe';
import { env } from '@/lib/env';

/**
 * A Stripe SDK client. `apiUrl` (STRIPE_API_URL) points it at another host, port and protocol,
 * which only the tests' local fake uses; production talks to api.stripe.com.
 */
export function createStripeClient(options: { secretKey: string; apiUrl?: string }): Stripe {
  const target = options.apiUrl ? new URL(options.apiUrl) : undefined;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    telemetry: false,
    ...(target
      ? {
          host: target.hostname,
          port: target.port || (target.protocol === 'https:' ? 443 : 80),
          protocol: target.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** The configured client, or null in internal mode (no STRIPE_SECRET_KEY). */
export function stripeFromEnv(): Stripe | null {
  const { STRIPE_SECRET_KEY, STRIPE_API_URL } = env();
  return STRIPE_SECRET_KEY
    ? createStripeClient({ secretKey: STRIPE_SECRET_KEY, apiUrl: STRIPE_API_URL })
    : null;
}
