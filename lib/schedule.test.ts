import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSchedule } from './schedule';

afterEach(() => vi.useRealTimers());

describe('startSchedule', () => {
  it('runs a first pass, then every interval, never two at once, and stops', async () => {
    vi.useFakeTimers();
    let calls = 0;
    let finish: () => void = () => undefined;
    const job = () => {
      calls += 1;
      return new Promise<void>((resolve) => (finish = resolve));
    };
    const stop = startSchedule('test-overlap', job, { intervalMs: 1000, firstAfterMs: 10 });
    // A second start under the same name does not add a second timer.
    startSchedule('test-overlap', job, { intervalMs: 1000, firstAfterMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(3000); // the first pass is still running: skipped
    expect(calls).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    finish();
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });

  it('keeps going after a failed pass', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const stop = startSchedule(
      'test-failure',
      () => {
        calls += 1;
        return Promise.reject(new Error('boom'));
      },
      { intervalMs: 100, firstAfterMs: 0 },
    );
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toBe(3);
    stop();
  });
});
