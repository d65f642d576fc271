import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { env, type Env } from '@/lib/env';
import { localKeyProvider, type KeyProvider } from './envelope';

/** The key-encryption keys of this deployment: `current` wraps, any of `byId` unwraps. */
export type KeyProviders = { current: KeyProvider; byId: ReadonlyMap<string, KeyProvider> };

type MasterKeyConfig = Pick<
  Env,
  | 'NODE_ENV'
  | 'PGLITE_DIR'
  | 'ENCRYPTION_MASTER_KEY'
  | 'ENCRYPTION_MASTER_KEY_ID'
  | 'ENCRYPTION_PREVIOUS_MASTER_KEYS'
>;

function decodeMasterKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    throw new Error(
      `${name} must be 32 bytes in base64 (generate one with \`openssl rand -base64 32\`).`,
    );
  }
  return key;
}

/** Development only: a generated master key kept beside the embedded database, like AUTH_SECRET. */
function developmentMasterKey(config: MasterKeyConfig): string {
  const file = path.resolve(path.dirname(config.PGLITE_DIR), 'dev-master-key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const key = randomBytes(32).toString('base64');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, key, { mode: 0o600 });
    return key;
  }
}

/** Reads the master keys from configuration; production refuses to start without one. */
export function keyProvidersFrom(config: MasterKeyConfig): KeyProviders {
  let master = config.ENCRYPTION_MASTER_KEY;
  if (!master) {
    if (config.NODE_ENV === 'production') {
      throw new Error(
        'ENCRYPTION_MASTER_KEY is not set. Generate one with `openssl rand -base64 32` and keep it in a secret store: without it no tenant data can be read.',
      );
    }
    master = developmentMasterKey(config);
  }
  const current = localKeyProvider(
    decodeMasterKey(master, 'ENCRYPTION_MASTER_KEY'),
    config.ENCRYPTION_MASTER_KEY_ID,
  );
  const byId = new Map<string, KeyProvider>([[current.keyId, current]]);
  for (const entry of (config.ENCRYPTION_PREVIOUS_MASTER_KEYS ?? '').split(',')) {
    if (!entry.trim()) continue;
    const separator = entry.indexOf('=');
    const id = entry.slice(0, separator).trim();
    if (separator < 1 || byId.has(id)) {
      throw new Error(
        'ENCRYPTION_PREVIOUS_MASTER_KEYS is a comma-separated list of id=base64key, each id once and not the current ENCRYPTION_MASTER_KEY_ID.',
      );
    }
    byId.set(
      id,
      localKeyProvider(
        decodeMasterKey(entry.slice(separator + 1), `ENCRYPTION_PREVIOUS_MASTER_KEYS (${id})`),
        id,
      ),
    );
  }
  return { current, byId };
}

let configured: KeyProviders | undefined;

/** This process's key providers (from the environment, read once). */
export function keyProviders(): KeyProviders {
  configured ??= keyProvidersFrom(env());
  return configured;
}

/** Tests and benches only: replace the providers (e.g. to rotate the master key). */
export function setKeyProviders(providers: KeyProviders | undefined): void {
  configured = providers;
}
