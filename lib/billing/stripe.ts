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

let configured: { key: string; client: Stripe } | undefined;

/**
 * The configured client, or null in internal mode (no STRIPE_SECRET_KEY). One per process and
 * configuration: a client is cheap to use but not to build (a fraction of a millisecond that a
 * duplicate webhook delivery would otherwise spend mostly here).
 */
export function stripeFromEnv(): Stripe | null {
  const { STRIPE_SECRET_KEY, STRIPE_API_URL } = env();
  if (!STRIPE_SECRET_KEY) return null;
  const key = `${STRIPE_SECRET_KEY} ${STRIPE_API_URL ?? ''}`;
  if (configured?.key !== key)
    configured = {
      key,
      client: createStripeClient({ secretKey: STRIPE_SECRET_KEY, apiUrl: STRIPE_API_URL }),
    };
  return configured.client;
}
