/**
 * `npm run tenant:export -- --tenant <slug> --out <file> [--force]` — writes one tenant's backup
 * to a file for another Tenantry instance (`npm run tenant:import` there). The file is sealed
 * with the passphrase in TENANT_EXPORT_PASSPHRASE (at least 12 characters; never on the command
 * line, where shell history and `ps` would keep it), created with mode 0600, and never
 * overwrites a file unless --force. The export is recorded in the tenant's audit trail
 * (`backup.exported`). Exits 0 when written, 1 on a usage error or a refusal (message on stderr).
 */
import { parseArgs } from 'node:util';
import { getDatabase } from '@/db/runtime';
import { exportTenant } from '@/lib/backups';

const usage =
  'Usage: TENANT_EXPORT_PASSPHRASE=… npm run tenant:export -- --tenant <slug> --out <file> [--force]';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(): Promise<number> {
  let values: { tenant?: string; out?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        tenant: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 1;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.tenant || !values.out) {
    console.error(`Give --tenant and --out.\n${usage}`);
    return 1;
  }
  const passphrase = process.env.TENANT_EXPORT_PASSPHRASE ?? '';
  if (passphrase.length < 12) {
    console.error(
      passphrase
        ? 'TENANT_EXPORT_PASSPHRASE is shorter than 12 characters: use a longer passphrase.'
        : 'Set TENANT_EXPORT_PASSPHRASE to the passphrase that seals the file (at least 12 characters); the importing side needs the same one.',
    );
    return 1;
  }

  const handle = await getDatabase();
  try {
    const result = await exportTenant({
      slug: values.tenant,
      out: values.out,
      passphrase,
      force: values.force,
    });
    console.log(`Exported tenant ${result.slug} (${result.tenantId})`);
    console.log(`  file:    ${result.file}`);
    console.log(`  rows:    ${result.rows}`);
    console.log(`  size:    ${formatBytes(result.bytes)} (${result.bytes} bytes)`);
    console.log(`  sha256:  ${result.sha256}`);
    console.log(`  schema:  ${result.schemaVersion}`);
    console.log(
      'Sealed with TENANT_EXPORT_PASSPHRASE; give it to the importing operator separately.',
    );
    return 0;
  } catch (error) {
    console.error(`Export refused: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
