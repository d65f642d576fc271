import 'server-only';
import type { Transaction } from '@/db/scope';
import { usageEvents, type UsageEventSource } from '@/db/schema';
import { env } from '@/lib/env';
import { planBatch, type EventOutcome } from './events';
import { buildMetricCatalogue, type MetricCatalogue } from './metrics';

let catalogue: MetricCatalogue | undefined;

/** The platform's billable metrics: built-ins plus BILLABLE_METRICS, read once per process. */
export function metricCatalogue(): MetricCatalogue {
  catalogue ??= buildMetricCatalogue(env().BILLABLE_METRICS);
  return catalogue;
}

export type IngestResult = {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventOutcome[];
};

/**
 * Records a batch of usage events for one tenant, inside the caller's tenant transaction. Each
 * event is validated on its own: bad ones are refused with their reasons, good ones kept. All
 * good events go in one multi-row INSERT … ON CONFLICT (tenant_id, idempotency_key) DO NOTHING,
 * so an idempotency key counts once however often (and however concurrently) it is sent; the
 * keys the insert did not return were already recorded and answer `duplicate`.
 */
export async function ingestUsageEvents(
  tx: Transaction,
  params: {
    tenantId: string;
    events: readonly unknown[];
    source?: UsageEventSource;
    now?: Date;
    catalogue?: MetricCatalogue;
  },
): Promise<IngestResult> {
  const now = params.now ?? new Date();
  const { outcomes, candidates } = planBatch(params.events, {
    catalogue: params.catalogue ?? metricCatalogue(),
    now,
  });
  const inserted = new Set<string>();
  if (candidates.length) {
    // Rows go in idempotency-key order, so two concurrent batches sharing keys wait on each
    // other in the same order instead of deadlocking.
    const ordered = candidates
      .map(({ event }) => event)
      .sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
    const rows = await tx
      .insert(usageEvents)
      .values(
        ordered.map((event) => ({
          tenantId: params.tenantId,
          metric: event.metric,
          value: event.value,
          idempotencyKey: event.idempotencyKey,
          occurredAt: event.occurredAt,
          properties: event.properties,
          source: params.source ?? 'api',
        })),
      )
      .onConflictDoNothing({ target: [usageEvents.tenantId, usageEvents.idempotencyKey] })
      .returning({ idempotencyKey: usageEvents.idempotencyKey });
    for (const row of rows) inserted.add(row.idempotencyKey);
  }
  for (const { index, event } of candidates) {
    outcomes.push({
      index,
      status: inserted.has(event.idempotencyKey) ? 'accepted' : 'duplicate',
      idempotencyKey: event.idempotencyKey,
    });
  }
  outcomes.sort((a, b) => a.index - b.index);
  const count = (status: EventOutcome['status']) =>
    outcomes.filter((outcome) => outcome.status === status).length;
  return {
    accepted: count('accepted'),
    duplicates: count('duplicate'),
    rejected: count('rejected'),
    results: outcomes,
  };
}
