/**
 * `npm run keys:rewrap` — master-key rotation: re-wraps every tenant data key still wrapped by
 * an earlier master key (listed in ENCRYPTION_PREVIOUS_MASTER_KEYS) under the current
 * ENCRYPTION_MASTER_KEY. No row is re-encrypted. Idempotent; prints how many keys it re-wrapped.
 * Exits 1 when a key is wrapped by a master key that is not configured.
 */
import { rewrapDataKeys } from '@/lib/crypto';
import { keyProviders } from '@/lib/crypto/master-key';

async function main(): Promise<number> {
  const { current, byId } = keyProviders();
  console.log(
    `Current master key: ${current.keyId}; earlier keys configured: ${
      [...byId.keys()].filter((id) => id !== current.keyId).join(', ') || 'none'
    }.`,
  );
  try {
    const { rewrapped } = await rewrapDataKeys();
    console.log(`${rewrapped} data keys re-wrapped under ${current.keyId}.`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
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
