import type { RateLimitPolicy } from './index';

/** Where a sliding-window count stands; `resetAt` (epoch ms) is when the current window ends. */
export type WindowState = { remaining: number; resetAt: number };

/**
 * A backing store. `id` is already hashed. Any throw — including a timeout — means the store
 * could not answer; the caller then applies the policy's fail mode.
 */
export type RateLimitStore = {
  peek(policy: RateLimitPolicy, id: string): Promise<WindowState>;
  consume(policy: RateLimitPolicy, id: string): Promise<WindowState & { success: boolean }>;
  reset(policy: RateLimitPolicy, id: string): Promise<void>;
};
