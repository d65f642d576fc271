/**
 * `npm run bench -- --only console` — the operator console's tenant list (listTenants from
 * lib/tenancy, inside withPlatform, as the console calls it) at 10,000 tenants.
 *
 * Every query the console offers is timed in one interleaved loop (each round runs each query once,
 * in rotating order), so each median is comparable with the first page's: the ratios say what a
 * deep page, a filter, a search or another sort costs over the plain first page. Only the
 * listTenants call is timed, inside an already-open platform transaction. Each query's plan is
 * shown by EXPLAIN ANALYZE of the statement listTenants actually sent (captured at the driver).
 *
 * Migration 0006 adopted what an earlier run of this section measured as a proposal: an index on
 * (lower(name), id) for the name sort and pg_trgm GIN indexes on slug and name for the search.
 */
import { sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { withPlatform } from '@/db/scope';
import { listTenants, listTenantsInput, type ListTenantsInput } from '@/lib/tenancy';
import { takeCensus } from './census';
import { BENCH_DATABASE, type BenchConfig } from './config';
import { openBenchDatabase, type BenchDatabase, type Dataset } from './database';
import { line, loadAverage } from './print';
import { interleave, random, timeMicros, type Variant } from './runner';
import { explainAnalyze } from './sql';

const PREFIXES = [
  'Acme',
  'Alder',
  'Apex',
  'Atlas',
  'Beacon',
  'Blue Harbor',
  'Brightside',
  'Cedar',
  'Clearwater',
  'Cobalt',
  'Crescent',
  'Evergreen',
  'Falcon',
  'Fjord',
  'Golden Gate',
  'Granite',
  'Harbor',
  'Highland',
  'Horizon',
  'Ironwood',
  'Juniper',
  'Keystone',
  'Lakeside',
  'Lumen',
  'Maple',
  'Meridian',
  'Nimbus',
  'Northwind',
  'Oakridge',
  'Orchard',
  'Pinnacle',
  'Pioneer',
  'Quartz',
  'Redwood',
  'Riverbend',
  'Sterling',
  'Summit',
  'Tidewater',
  'Vertex',
  'Willow',
];
const CORES = [
  'Analytics',
  'Architects',
  'Bakery',
  'Biotech',
  'Capital',
  'Clinics',
  'Consulting',
  'Dental',
  'Design',
  'Energy',
  'Engineering',
  'Foods',
  'Freight',
  'Health',
  'Hotels',
  'Insurance',
  'Labs',
  'Legal',
  'Logistics',
  'Media',
  'Networks',
  'Outdoor',
  'Pharma',
  'Realty',
  'Robotics',
  'Security',
  'Software',
  'Studios',
  'Systems',
  'Travel',
];
const SUFFIXES = [
  '',
  ' Inc.',
  ' LLC',
  ' GmbH',
  ' Ltd',
  ' Group',
  ' & Co.',
  ' S.A.',
  ' AB',
  ' Partners',
];

/** A common word of the names (one prefix in 40 contains it) and a string that matches one slug. */
const COMMON_TERM = 'harbor';

/**
 * N tenants with made-up company names, mixed statuses (70 % active, 12 % trial, 6 % past due,
 * 7 % suspended, 5 % archived) and plans (50 % free, 30 % pro, 15 % business, 5 % enterprise),
 * created over three years and inserted in that order, a third with CRM metadata. Deterministic:
 * every choice comes from md5 of the row number. Ids are md5-derived too, with the version and
 * variant bits of a v4 UUID (what gen_random_uuid makes), because the list's cursor accepts only
 * RFC 9562 UUIDs.
 */
export function consoleDataset(tenants: number): Dataset {
  const list = (words: string[]) =>
    `array[${words.map((word) => `'${word.replace(/'/g, "''")}'`).join(', ')}]`;
  const pick = (words: string[], salt: string) =>
    `(${list(words)})[1 + ${hash(salt)} % ${words.length}]`;
  return {
    statements: [
      'begin',
      'set local role tenantry_platform',
      `insert into tenants (id, slug, name, status, plan, settings, metadata, created_at, updated_at)
         select overlay(overlay(md5('console-tenant-' || t) placing '4' from 13) placing '8' from 17)::uuid,
                trim(both '-' from lower(regexp_replace(prefix || ' ' || core, '[^A-Za-z0-9]+', '-', 'g'))) || '-' || t,
                prefix || ' ' || core || suffix,
                case when s < 70 then 'active' when s < 82 then 'trial' when s < 88 then 'past_due'
                     when s < 95 then 'suspended' else 'archived' end,
                case when p < 50 then 'free' when p < 80 then 'pro' when p < 95 then 'business'
                     else 'enterprise' end,
                '{"branding": {"primaryColor": "#4f46e5"}}'::jsonb,
                case when t % 3 = 0
                     then jsonb_build_object('crm_id', 'CRM-' || lpad(t::text, 6, '0'),
                                             'region', (array['eu', 'us', 'apac'])[1 + t % 3])
                     else '{}'::jsonb end,
                ts, ts + (${hash('u')} % 86400) * interval '1 second'
         from generate_series(1, ${tenants}) t,
              lateral (select ${pick(PREFIXES, 'p')} as prefix, ${pick(CORES, 'c')} as core,
                              ${pick(SUFFIXES, 'x')} as suffix,
                              ${hash('s')} % 100 as s, ${hash('l')} % 100 as p,
                              timestamptz '2026-11-01 00:00:00+00'
                                - (${hash('t')} % (3 * 365 * 86400)) * interval '1 second' as ts) x
         order by ts`,
      'commit',
      'vacuum analyze tenants',
    ],
    tenantIdsSql: 'select id from tenants order by created_at desc, id desc',
  };
}

/** A non-negative integer from md5 of (salt, row number): the same on every server. */
function hash(salt: string): string {
  return `('x' || substr(md5('${salt}-' || t), 1, 7))::bit(28)::int`;
}

type Query = { key: string; label: string; input: ListTenantsInput };
type QueryRows = { rows: Array<Record<string, unknown>> };

export async function consoleList(config: BenchConfig): Promise<void> {
  const { tenants } = config.console;
  line(
    `\n══ console: the operator console's tenant list at ${tenants.toLocaleString('en')} tenants ══`,
  );
  const bench = await openBenchDatabase(config, { dataset: consoleDataset(tenants) });
  try {
    await measure(config, bench);
  } finally {
    await bench.close();
  }
}

async function measure(config: BenchConfig, bench: BenchDatabase): Promise<void> {
  const { tenants, deepPages } = config.console;
  const platform = <T>(work: (tx: Transaction) => Promise<T>) => withPlatform(work, bench.app.db);
  line(
    `server:  ${bench.serverVersion}${bench.driver === 'pglite' ? '' : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
  );
  const mix = (await platform((tx) =>
    tx.execute(sql`select
        (select string_agg(status || ' ' || n, ', ' order by n desc) from (select status, count(*) n from tenants group by status) s) as statuses,
        (select string_agg(plan || ' ' || n, ', ' order by n desc) from (select plan, count(*) n from tenants group by plan) p) as plans`),
  )) as unknown as QueryRows;
  line(
    `dataset: ${tenants.toLocaleString('en')} tenants (no members or documents: the list reads tenants only), ` +
      `loaded + VACUUM ANALYZE in ${bench.loadSeconds.toFixed(1)} s\n` +
      `         status: ${String(mix.rows[0]?.statuses)}\n         plan:   ${String(mix.rows[0]?.plans)}`,
  );

  // The deep page: the cursor after `deepPages` pages of the default list, followed once, untimed.
  const parse = (input: Record<string, unknown>) => listTenantsInput.parse(input);
  let cursor: string | undefined;
  const walkStarted = performance.now();
  for (let page = 0; page < deepPages; page += 1) {
    const next: string | null = (await platform((tx) => listTenants(tx, parse({ cursor }))))
      .nextCursor;
    if (!next)
      throw new Error(`the list ended before page ${page + 2}: lower BENCH_CONSOLE_DEEP_PAGES`);
    cursor = next;
  }
  const walkMs = performance.now() - walkStarted;
  const pageSize = parse({}).limit;
  const rare = String(Math.max(1, Math.floor(tenants * 0.4242)));
  const queries: Query[] = [
    { key: 'first_page', label: 'first page (newest first)', input: parse({}) },
    {
      key: 'deep_page',
      label: `page ${deepPages + 1} (rows ${deepPages * pageSize + 1}–${(deepPages + 1) * pageSize}, by cursor)`,
      input: parse({ cursor }),
    },
    { key: 'status', label: 'status = suspended', input: parse({ status: 'suspended' }) },
    { key: 'plan', label: 'plan = enterprise', input: parse({ plan: 'enterprise' }) },
    {
      key: 'search',
      label: `search q="${COMMON_TERM}" (common word)`,
      input: parse({ q: COMMON_TERM }),
    },
    {
      key: 'search_one_match',
      label: `search q="-${rare}" (one match)`,
      input: parse({ q: `-${rare}` }),
    },
    { key: 'sort_name', label: 'sort by name', input: parse({ sort: 'name' }) },
  ];

  const firstIds = (await platform((tx) => listTenants(tx, queries[0]!.input))).data.map(
    (t) => t.id,
  );
  const deepIds = (await platform((tx) => listTenants(tx, queries[1]!.input))).data.map(
    (t) => t.id,
  );
  if (deepIds.length !== pageSize || deepIds.some((id) => firstIds.includes(id)))
    throw new Error('the deep page is not a full page of other tenants than the first page');
  line(
    `deep:    ${deepPages} pages of ${pageSize} followed by cursor in ${walkMs.toFixed(0)} ms ` +
      `(${(walkMs / deepPages).toFixed(2)} ms a page, each a whole withPlatform round), untimed below`,
  );
  line(`load:    ${loadAverage()} (1, 5, 15 min load average, at start)`);

  const today = await timeQueries(config, bench, queries);
  printTable(
    `listTenants (limit ${pageSize}) inside withPlatform, only the call timed — the app's schema`,
    queries,
    today,
  );

  line('EXPLAIN ANALYZE of each statement as listTenants sent it (as tenantry_platform):');
  for (const query of queries) {
    line(`  ${query.label}:`);
    for (const planLine of today.plans.get(query.key)!) line(`    ${planLine}`);
  }
  line('');
  summaryLines('', queries, today);
}

type Timed = {
  rounds: number;
  seconds: number;
  stats: Array<{ median: number; p95: number }>;
  rows: Map<string, number>;
  plans: Map<string, string[]>;
};

/** Each query's rows and plan (outside the timing), then all of them in one interleaved loop. */
async function timeQueries(
  config: BenchConfig,
  bench: BenchDatabase,
  queries: Query[],
): Promise<Timed> {
  const platform = <T>(work: (tx: Transaction) => Promise<T>) => withPlatform(work, bench.app.db);
  const rows = new Map<string, number>();
  const plans = new Map<string, string[]>();
  for (const query of queries) {
    let page: Awaited<ReturnType<typeof listTenants>> | undefined;
    const census = await takeCensus(bench.pglite, () =>
      platform(async (tx) => {
        page = await listTenants(tx, query.input);
      }),
    );
    rows.set(query.key, page?.data.length ?? 0);
    const index = census.statements.findIndex((text) => /from "tenants"/i.test(text));
    if (index < 0) throw new Error(`listTenants' statement was not seen for ${query.label}`);
    const explained = (await platform((tx) =>
      tx.execute(explainAnalyze(census.statements[index]!, census.values[index] ?? [])),
    )) as unknown as QueryRows;
    plans.set(
      query.key,
      explained.rows.map((row) => String(Object.values(row)[0])),
    );
  }

  const variants: Variant[] = queries.map((query) => ({
    key: query.key,
    label: query.label,
    run: () => platform((tx) => timeMicros(() => listTenants(tx, query.input))),
  }));
  const started = performance.now();
  const measured = await interleave(variants, ['-'], {
    rounds: config.rounds,
    warmup: config.warmup,
    seconds: config.seconds,
    rng: random(config.seed),
  });
  return {
    rounds: measured.rounds,
    seconds: (performance.now() - started) / 1000,
    stats: measured.stats,
    rows,
    plans,
  };
}

function printTable(title: string, queries: Query[], timed: Timed): void {
  line(`\n${title} — ${timed.rounds} rounds in ${timed.seconds.toFixed(1)} s`);
  const width = Math.max(...queries.map((query) => query.label.length));
  line(
    `  ${'query'.padEnd(width)}  ${'median ms'.padStart(9)}  ${'p95 ms'.padStart(7)}  ${'ratio'.padStart(6)}  ${'rows'.padStart(4)}  plan`,
  );
  const base = timed.stats[0]!.median;
  queries.forEach((query, i) => {
    const stats = timed.stats[i]!;
    line(
      `  ${query.label.padEnd(width)}  ${(stats.median / 1000).toFixed(3).padStart(9)}  ${(stats.p95 / 1000).toFixed(3).padStart(7)}  ` +
        `${`${(stats.median / base).toFixed(2)}x`.padStart(6)}  ${String(timed.rows.get(query.key)).padStart(4)}  ${planSummary(timed.plans.get(query.key)!)}`,
    );
  });
  line("  ratio = median ÷ the first page's median (same rounds, interleaved)\n");
}

function summaryLines(suffix: string, queries: Query[], timed: Timed): void {
  const base = timed.stats[0]!.median;
  queries.forEach((query, i) => {
    const stats = timed.stats[i]!;
    line(
      `console_list_${query.key}${suffix} ${(stats.median / 1000).toFixed(3)} ms = ${(stats.median / base).toFixed(2)}x ` +
        `the first page (${planSummary(timed.plans.get(query.key)!)})`,
    );
  });
}

/** "index scan using X" or "SEQ SCAN on tenants", whether it sorts, and how many rows it threw away. */
export function planSummary(plan: string[]): string {
  const joined = plan.join('\n');
  const scans = [
    ...joined.matchAll(
      /(Seq Scan|Index Only Scan(?: Backward)?|Index Scan(?: Backward)?|Bitmap Heap Scan|Bitmap Index Scan) (?:using (\S+) )?on (\S+)/g,
    ),
  ]
    // A bitmap heap scan is named by the bitmap index scans under it.
    .filter((match) => match[1] !== 'Bitmap Heap Scan')
    .map((match) =>
      match[1] === 'Seq Scan'
        ? `SEQ SCAN on ${match[3]}`
        : `${match[1]!.toLowerCase()} ${match[2] ? `using ${match[2]}` : `on ${match[3]}`}`,
    );
  const sortMethod = /Sort Method: ([a-zA-Z-]+(?: [a-zA-Z-]+)?)/.exec(joined)?.[1];
  const sorted = sortMethod ?? (/\bSort\b/.test(joined) ? 'sort' : undefined);
  const removed = [...joined.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
  return [
    scans.join(' + ') || 'no scan?',
    sorted ? `sort (${sorted})` : 'no sort',
    `${removed} rows filtered out`,
  ].join(' · ');
}
