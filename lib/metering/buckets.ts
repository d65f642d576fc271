import type { RollupGranularity } from '@/db/schema';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The start of the UTC hour, day or calendar month `at` falls in: a rollup's bucket_start. */
export function bucketStartOf(at: Date, granularity: RollupGranularity): Date {
  if (granularity === 'hour') return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
  if (granularity === 'day') return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** `at` moved by `count` buckets: hours and days exactly, months by the UTC calendar. */
export function addBuckets(at: Date, granularity: RollupGranularity, count: number): Date {
  if (granularity === 'month')
    return new Date(
      Date.UTC(
        at.getUTCFullYear(),
        at.getUTCMonth() + count,
        at.getUTCDate(),
        at.getUTCHours(),
        at.getUTCMinutes(),
        at.getUTCSeconds(),
        at.getUTCMilliseconds(),
      ),
    );
  return new Date(at.getTime() + count * (granularity === 'hour' ? HOUR_MS : DAY_MS));
}
