/**
 * `npm run stripe:sync` — creates or updates the Stripe products, prices and billing meters of
 * the plan catalogue (lib/plans) in the account of STRIPE_SECRET_KEY, and prints one line per
 * object. Idempotent: run it after every change to the catalogue. Exits 2 without a key
 * (internal billing needs no Stripe objects), 1 when Stripe refuses a call.
 */
import { stripeFromEnv, syncStripeCatalogue } from '@/lib/billing';

async function main(): Promise<number> {
  const stripe = stripeFromEnv();
  if (!stripe) {
    console.error(
      'STRIPE_SECRET_KEY is not set: billing runs in internal mode and needs no Stripe objects.',
    );
    return 2;
  }
  try {
    const actions = await syncStripeCatalogue(stripe);
    for (const { kind, key, action } of actions)
      console.log(`${action.padEnd(9)} ${kind.padEnd(7)} ${key}`);
    const changed = actions.filter((action) => action.action !== 'unchanged').length;
    console.log(`${actions.length} objects, ${changed} created or updated.`);
    return 0;
  } catch (error) {
    console.error(
      `Stripe refused the sync: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
