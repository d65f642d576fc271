/**
 * Interleaved measurement: every round picks one tenant at random and runs every variant on it,
 * one after the other, so machine noise (other processes, GC, CPU frequency, cache state) falls on
 * all variants alike. The order rotates from round to round (AB, BA, AB, … — ABC, BCA, CAB, …
 * for three), so no variant always runs second and inherits the first one's freshly read pages.
 */

/** Fewer rounds than this are not worth a median, whatever the time budget says. */
const MIN_ROUNDS = 200;

export type Variant = {
  key: string;
  label: string;
  /** Runs the operation once for this tenant and returns the timed part in microseconds. */
  run(tenantId: string): Promise<number>;
};

export type Stats = { median: number; p95: number; samples: number[] };

export type Measurement = {
  variants: Variant[];
  rounds: number;
  stats: Stats[];
  /** Median over rounds of (variant ÷ baseline) within the round: a drift-proof cross-check. */
  pairedRatio: number[];
};

/** Microseconds spent in `work`. */
export async function timeMicros(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1000;
}

/** Deterministic PRNG (mulberry32), so a seed replays the same tenants. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function interleave(
  variants: Variant[],
  tenants: string[],
  options: { rounds: number; warmup: number; seconds?: number; rng: () => number },
): Promise<Measurement> {
  const pick = () => tenants[Math.floor(options.rng() * tenants.length)]!;
  const k = variants.length;
  for (let round = 0; round < options.warmup; round += 1) {
    const tenant = pick();
    for (let i = 0; i < k; i += 1) await variants[(round + i) % k]!.run(tenant);
  }
  // A time budget (if any) ends the loop early, always after a whole round.
  const deadline =
    options.seconds === undefined ? Infinity : performance.now() + options.seconds * 1000;
  const samples = variants.map(() => [] as number[]);
  for (
    let round = 0;
    round < options.rounds && (round < MIN_ROUNDS || performance.now() < deadline);
    round += 1
  ) {
    const tenant = pick();
    for (let i = 0; i < k; i += 1) {
      const index = (round + i) % k;
      samples[index]![round] = await variants[index]!.run(tenant);
    }
  }
  const base = samples[0]!;
  return {
    variants,
    rounds: base.length,
    stats: samples.map(summarize),
    pairedRatio: samples.map((series) =>
      median(series.map((value, round) => value / base[round]!)),
    ),
  };
}

export function summarize(samples: number[]): Stats {
  return { median: median(samples), p95: percentile(samples, 0.95), samples };
}

export function median(values: number[]): number {
  return percentile(values, 0.5);
}

/** Linear interpolation between closest ranks. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}
