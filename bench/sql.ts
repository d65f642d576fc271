import { sql, type SQL } from 'drizzle-orm';

/** `$n` placeholders → a drizzle SQL with those values as bind parameters. */
export function bound(text: string, values: unknown[]): SQL {
  const chunks: SQL[] = [];
  text
    .split(/\$(\d+)/)
    .forEach((part, i) =>
      chunks.push(i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`),
    );
  return sql.join(chunks);
}

/** `EXPLAIN (ANALYZE …)` of a statement, without costs or timings: the plan's shape only. */
export function explainAnalyze(text: string, values: unknown[]): SQL {
  return sql.join([
    sql.raw('explain (analyze, costs off, timing off, summary off, buffers off) '),
    bound(text, values),
  ]);
}
