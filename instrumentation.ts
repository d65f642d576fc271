/**
 * Runs once when the server starts. On the embedded database this opens (and so migrates and
 * seeds) it before the first request, and a second process gets the lock error right away. It
 * then starts the metering, billing, key and backup schedules and makes a shutdown write the buffered usage
 * first.
 */
export async function register(): Promise<void> {
  // Written as one `=== 'nodejs'` test so the edge bundle drops the import.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    if (process.env.NEXT_PHASE === 'phase-production-build') return;
    const { getDatabase } = await import('./db/runtime');
    await getDatabase();
    const { env } = await import('./lib/env');
    const { flushUsageOnShutdown, startMetering } = await import('./lib/metering/jobs');
    startMetering({ jobs: env().METERING_JOBS === 'on' });
    if (env().BILLING_JOBS === 'on') {
      const { startBillingSchedule } = await import('./lib/billing/jobs');
      startBillingSchedule();
    }
    if (env().KEY_JOBS === 'on') {
      const { startKeySchedule } = await import('./lib/crypto/management');
      startKeySchedule();
    }
    if (env().BACKUP_JOBS === 'on') {
      const { startBackupSchedule } = await import('./lib/backups/jobs');
      startBackupSchedule();
    }
    flushUsageOnShutdown();
  }
}
