import { log } from '@/lib/log';

const started = new Map<string, NodeJS.Timeout>();

/**
 * Runs a background job every `intervalMs` in this process (instrumentation.ts starts them; each
 * job also has a platform API route for a scheduler when its `*_JOBS` variable is off). A pass
 * never overlaps the previous one; the first runs `firstAfterMs` after start. Each pass is
 * logged as `<name>.jobs_ran` (debug, with its report) or `<name>.jobs_failed` (error). One
 * schedule per name per process; returns the function that stops it.
 */
export function startSchedule(
  name: string,
  job: () => Promise<unknown>,
  options: { intervalMs: number; firstAfterMs: number },
): () => void {
  let running = false;
  const pass = () => {
    if (running) return;
    running = true;
    job()
      .then((report) => log.debug({ report }, `${name}.jobs_ran`))
      .catch((error: unknown) => log.error({ err: error }, `${name}.jobs_failed`))
      .finally(() => {
        running = false;
      });
  };
  if (!started.has(name)) {
    setTimeout(pass, options.firstAfterMs).unref();
    const timer = setInterval(pass, options.intervalMs);
    timer.unref();
    started.set(name, timer);
  }
  return () => {
    clearInterval(started.get(name));
    started.delete(name);
  };
}
