/**
 * `npm run tenant:import -- --file <file> [--slug <new-slug>] [--name <name>] [--replace]` —
 * restores a tenant exported by `npm run tenant:export` (or a backup downloaded from a tenant's
 * settings, which opens only on the instance holding that tenant's key). A passphrase-sealed
 * file needs TENANT_EXPORT_PASSPHRASE (never given on the command line).
 *
 * - The backup's tenant is not on this instance: it is created with the SAME id (slug and name
 *   from the backup unless --slug/--name, plan `free`) and restored with restore mode
 *   `replace`, which keeps every row's id and, on a tenant that was just created, deletes
 *   nothing. Mode `clone` would give every row a new id and leave out API keys, MFA factors and
 *   the billing history, which is right for a copy but not for a move.
 * - It is on this instance: refused, unless --replace (its data is replaced by the backup's)
 *   or --slug (a NEW tenant with that slug gets a copy, restore mode `clone`, new ids).
 *
 * Creating the registry row, the restore and the `backup.imported` audit event happen in one
 * platform transaction: a refused or failed import leaves nothing behind (lib/backups/transfer.ts).
 * Exits 0 when imported, 1 on a usage error or a refusal (message on stderr).
 */
import { parseArgs } from 'node:util';
import { getDatabase } from '@/db/runtime';
import { importTenant } from '@/lib/backups';

const usage =
  'Usage: [TENANT_EXPORT_PASSPHRASE=…] npm run tenant:import -- --file <file> [--slug <new-slug>] [--name <name>] [--replace]';

async function main(): Promise<number> {
  let values: {
    file?: string;
    slug?: string;
    name?: string;
    replace?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        file: { type: 'string' },
        slug: { type: 'string' },
        name: { type: 'string' },
        replace: { type: 'boolean' },
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
  if (!values.file) {
    console.error(`Give --file.\n${usage}`);
    return 1;
  }
  const passphrase = process.env.TENANT_EXPORT_PASSPHRASE || undefined;

  const handle = await getDatabase();
  try {
    const result = await importTenant({
      file: values.file,
      passphrase,
      slug: values.slug,
      name: values.name,
      replace: values.replace,
    });
    const what = {
      created: 'Created tenant',
      replaced: 'Replaced the data of tenant',
      cloned: 'Imported a copy as new tenant',
    }[result.action];
    console.log(`${what} ${result.slug} (${result.tenantId}), “${result.name}”`);
    console.log(`  rows written: ${result.rows}`);
    console.log(`  from:         ${result.source.slug} (${result.source.tenantId})`);
    console.log(`  backup:       ${result.backupId}, schema ${result.schemaVersion}`);
    console.log(`  sha256:       ${result.sha256}`);
    if (result.action !== 'replaced')
      console.log(
        `  plan:         ${result.plan} (the backup does not carry the plan: set it in the console)`,
      );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`Import refused: ${message}`);
    if (!passphrase && /passphrase/.test(message))
      console.error('Set TENANT_EXPORT_PASSPHRASE to the passphrase the file was exported with.');
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
