import type { RateLimitPolicy } from './index';
import type { RateLimitStore, WindowState } from './store';

type Entry = { window: number; current: number; previous: number; expiresAt: number };

const PRUNE_EVERY_MS = 60_000;

/**
 * In-process sliding window with the same arithmetic as @upstash/ratelimit's `slidingWindow`,
 * so both stores answer alike. It serves one process only: with several instances each keeps
 * its own counts. Expired entries are pruned at most once a minute, so memory stays bounded by
 * the keys seen in the last two windows.
 */
export function createMemoryStore(): RateLimitStore & { size(): number } {
  const entries = new Map<string, Entry>();
  let nextPruneAt = 0;

  function prune(now: number) {
    if (now < nextPruneAt) return;
    nextPruneAt = now + PRUNE_EVERY_MS;
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  }

  /** The entry rolled forward to the current window, and how many attempts it holds now. */
  function read(policy: RateLimitPolicy, id: string) {
    const now = Date.now();
    prune(now);
    const windowMs = policy.windowSeconds * 1000;
    const window = Math.floor(now / windowMs);
    const key = `${policy.name}:${id}`;
    const stored = entries.get(key);
    const entry: Entry =
      stored?.window === window
        ? stored
        : {
            window,
            current: 0,
            previous: stored?.window === window - 1 ? stored.current : 0,
            expiresAt: (window + 2) * windowMs,
          };
    const elapsed = (now % windowMs) / windowMs;
    const used = Math.floor((1 - elapsed) * entry.previous) + entry.current;
    return { key, entry, used, resetAt: (window + 1) * windowMs };
  }

  return {
    async peek(policy, id): Promise<WindowState> {
      const { used, resetAt } = read(policy, id);
      return { remaining: Math.max(0, policy.limit - used), resetAt };
    },
    async consume(policy, id) {
      const { key, entry, used, resetAt } = read(policy, id);
      if (used >= policy.limit) return { success: false, remaining: 0, resetAt };
      entry.current += 1;
      entries.set(key, entry);
      return { success: true, remaining: Math.max(0, policy.limit - used - 1), resetAt };
    },
    async reset(policy, id) {
      entries.delete(`${policy.name}:${id}`);
    },
    size: () => entries.size,
  };
}
