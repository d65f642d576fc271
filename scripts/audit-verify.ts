/**
 * `npm run audit:verify -- [--tenant <slug>]` — recomputes every tenant's audit hash chain (or
 * one tenant's) on the configured database and prints one line per tenant. Exits 1 when a
 * chain is broken, 2 on a usage error or an unknown tenant.
 */
import { parseArgs } from 'node:util';
import { getDatabase } from '@/db/runtime';
import { formatChainReport, verifyAuditChains } from '@/lib/audit';

const usage = 'Usage: npm run audit:verify -- [--tenant <slug>]';

async function main(): Promise<number> {
  let slug: string | undefined;
  try {
    const { values } = parseArgs({
      options: { tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    slug = values.tenant;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 2;
  }
  const handle = await getDatabase();
  try {
    let broken = 0;
    let tenants = 0;
    for await (const report of verifyAuditChains(handle.db, { slug })) {
      tenants += 1;
      if (!report.result.ok) broken += 1;
      console.log(formatChainReport(report));
    }
    console.log(
      broken === 0
        ? `${tenants} tenant chain(s) verified, all intact.`
        : `${broken} of ${tenants} tenant chain(s) broken.`,
    );
    return broken === 0 ? 0 : 1;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
