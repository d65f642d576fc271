import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Database } from '@/db/client';
import { inArray } from 'drizzle-orm';
import { tenants, usageEvents, type NewUsageEvent } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import { log } from '@/lib/log';
import { metricCatalogue } from './ingest';

/** How often the buffer is written; an unclean crash loses at most this much usage. */
export const FLUSH_INTERVAL_MS = 1000;
/** Beyond this many unwritten rows (the database down for long), the oldest are dropped. */
const MAX_PENDING_ROWS = 100_000;

type Pending = {
  tenantId: string;
  metric: string;
  dimension: string;
  minute: number;
  value: number;
};

/**
 * The in-process usage buffer. Recording is a map update, never I/O, so it cannot slow the request
 * it measures. Usage is pre-aggregated per tenant, metric, dimension and minute (a thousand API
 * calls to one route in a minute become one event of value 1000), and written every
 * FLUSH_INTERVAL_MS (once `start()`ed) as one multi-row insert through the platform path. A batch that fails to
 * write is kept with its idempotency keys and retried first, so a retry after a lost commit
 * acknowledgement counts nothing twice. `flush()` on shutdown writes everything (instrumentation).
 */
export class UsageRecorder {
  private pending = new Map<string, Pending>();
  private retries: NewUsageEvent[][] = [];
  private flushing: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { database?: Database; intervalMs?: number } = {}) {}

  /** Adds `value` to the metric's running total for this tenant, dimension and minute. */
  record(tenantId: string, metric: string, value: number, dimension = '', at = Date.now()): void {
    if (!(value > 0) || !Number.isFinite(value)) return;
    const minute = at - (at % 60_000);
    const key = `${tenantId}\u0000${metric}\u0000${dimension}\u0000${minute}`;
    const entry = this.pending.get(key);
    if (entry) entry.value += value;
    else this.pending.set(key, { tenantId, metric, dimension, minute, value });
  }

  /** Flushes every FLUSH_INTERVAL_MS from now on (the server starts it in instrumentation.ts). */
  start(): void {
    if (this.timer) return;
    // A failed flush is logged and its rows kept for the next one.
    this.timer = setInterval(
      () => void this.flush().catch(() => undefined),
      this.options.intervalMs ?? FLUSH_INTERVAL_MS,
    );
    this.timer.unref();
  }

  /** Rows recorded and not yet written. */
  get backlog(): number {
    return this.pending.size + this.retries.reduce((sum, batch) => sum + batch.length, 0);
  }

  /**
   * Writes everything recorded so far; resolves with the number of rows it took from the buffer
   * (those of tenants deleted meanwhile are dropped, not written). Concurrent calls
   * share one write, then the second writes what arrived meanwhile.
   */
  async flush(): Promise<number> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    this.flushing = this.writeAll();
    try {
      return await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops the timer (shutdown). Recorded usage stays until the next flush. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private takeBatch(): NewUsageEvent[] {
    const catalogue = metricCatalogue();
    const batch = randomUUID();
    const rows: NewUsageEvent[] = [];
    let index = 0;
    for (const entry of this.pending.values()) {
      const dimension = catalogue.get(entry.metric)?.dimension;
      rows.push({
        tenantId: entry.tenantId,
        metric: entry.metric,
        value: entry.value,
        idempotencyKey: `recorded:${batch}:${index++}`,
        occurredAt: new Date(entry.minute),
        properties: dimension && entry.dimension ? { [dimension]: entry.dimension } : {},
        source: 'system',
      });
    }
    this.pending.clear();
    return rows;
  }

  private async writeAll(): Promise<number> {
    if (this.pending.size) this.retries.push(this.takeBatch());
    let written = 0;
    while (this.retries.length) {
      const rows = this.retries[0]!;
      try {
        await withPlatform(async (tx) => {
          // Usage of a tenant deleted since it was recorded has nowhere to go; without this a
          // foreign-key error would keep the batch, and everything behind it, from ever landing.
          const tenantIds = [...new Set(rows.map((row) => row.tenantId))];
          const live = await tx
            .select({ id: tenants.id })
            .from(tenants)
            .where(inArray(tenants.id, tenantIds));
          const liveIds = new Set(live.map((tenant) => tenant.id));
          const kept = rows.filter((row) => liveIds.has(row.tenantId));
          if (kept.length) await tx.insert(usageEvents).values(kept).onConflictDoNothing();
        }, this.options.database);
      } catch (error) {
        this.dropOverflow();
        log.error(
          { err: error, rows: rows.length, backlog: this.backlog },
          'metering.flush_failed',
        );
        throw error;
      }
      this.retries.shift();
      written += rows.length;
    }
    return written;
  }

  private dropOverflow(): void {
    while (this.backlog > MAX_PENDING_ROWS && this.retries.length > 1) {
      const dropped = this.retries.shift()!;
      log.error({ rows: dropped.length }, 'metering.dropped_oldest_batch');
    }
  }
}

/**
 * Next bundles instrumentation.ts apart from the route handlers and actions, each with its own
 * copy of this module, so a module-level instance would give the shutdown flush and the timer an
 * empty buffer of their own. The process's one recorder lives on globalThis instead.
 */
const RECORDER = Symbol.for('tenantry.usageRecorder');
type WithRecorder = typeof globalThis & { [RECORDER]?: UsageRecorder };

/** The process's usage recorder. */
export function usageRecorder(): UsageRecorder {
  const holder = globalThis as WithRecorder;
  holder[RECORDER] ??= new UsageRecorder();
  return holder[RECORDER];
}

/** Records usage for a tenant without waiting: see UsageRecorder. */
export function recordUsage(
  tenantId: string,
  metric: string,
  value: number,
  dimension?: string,
): void {
  usageRecorder().record(tenantId, metric, value, dimension);
}
