import { z } from 'zod';
import { defineOperation } from './contract';

const rollupRunSchema = z.union([
  z.object({ ran: z.literal(false), reason: z.literal('busy') }),
  z.object({
    ran: z.literal(true),
    hours: z.number().int(),
    days: z.number().int(),
    months: z.number().int(),
    watermark: z.string(),
    ms: z.number().int(),
  }),
]);

export const meteringJobReportSchema = z
  .object({
    flushed: z.number().int().describe('Buffered usage rows this process wrote first.'),
    gauges: z.object({ sampled: z.number().int() }),
    rollups: rollupRunSchema,
    notices: z.object({ notices: z.number().int(), emails: z.number().int() }),
  })
  .meta({ id: 'MeteringJobReport' });

export const runMeteringJobsOperation = defineOperation({
  method: 'post',
  path: '/jobs/metering',
  operationId: 'runMeteringJobs',
  summary: 'Run the metering jobs once',
  description:
    'Samples storage and members (once per hour), brings the usage rollups up to date and sends the allowance ' +
    'notices that are due. Each server process already does this every minute unless `METERING_JOBS=off`; ' +
    'this route lets a scheduler (a cron on a serverless host) drive it instead. Idempotent: calling it ' +
    'again, or concurrently, counts nothing twice (a concurrent run answers `rollups.ran: false`).',
  tag: 'Jobs',
  success: {
    status: 200,
    description: 'What the run did.',
    schema: meteringJobReportSchema,
    example: {
      flushed: 0,
      gauges: { sampled: 24 },
      rollups: {
        ran: true,
        hours: 31,
        days: 12,
        months: 12,
        watermark: '2026-11-30T10:00:00.000Z',
        ms: 42,
      },
      notices: { notices: 1, emails: 2 },
    },
  },
  errors: [],
});

export const billingJobReportSchema = z
  .object({
    ran: z.boolean().describe('false when another pass held the lock; nothing was done.'),
    invoices: z.number().int().describe('Internal invoices issued for a period just ended.'),
    transitions: z
      .number()
      .int()
      .describe('Internal accounts whose period ended or trial ran out (plan changes applied).'),
    overdue: z.number().int().describe('Open internal invoices past their due date.'),
    suspended: z.number().int().describe('Tenants suspended after the grace period.'),
    alerts: z.object({ alerts: z.number().int(), emails: z.number().int() }),
    meters: z
      .object({ planned: z.number().int(), sent: z.number().int(), failed: z.number().int() })
      .nullable()
      .describe('Stripe mode: overage reports written and sent to the billing meters.'),
    reconciliation: z
      .object({ checked: z.number().int(), mismatches: z.number().int() })
      .nullable()
      .describe('Stripe mode, hourly: reported overage compared with the rollups and Stripe.'),
  })
  .meta({ id: 'BillingJobReport' });

export const runBillingJobsOperation = defineOperation({
  method: 'post',
  path: '/jobs/billing',
  operationId: 'runBillingJobs',
  summary: 'Run the billing jobs once',
  description:
    'Issues internal invoices for a period just ended, applies period-end plan changes and trial ends, marks ' +
    'overdue invoices past due and suspends tenants past the grace period (`BILLING_GRACE_DAYS`), sends budget ' +
    'alerts, and in Stripe mode reports overage to the billing meters and reconciles them hourly. Each server ' +
    'process already does this every minute unless `BILLING_JOBS=off`. Idempotent; a concurrent run answers ' +
    '`ran: false`.',
  tag: 'Jobs',
  success: {
    status: 200,
    description: 'What the run did.',
    schema: billingJobReportSchema,
    example: {
      ran: true,
      invoices: 0,
      transitions: 0,
      overdue: 0,
      suspended: 0,
      alerts: { alerts: 1, emails: 2 },
      meters: null,
      reconciliation: null,
    },
  },
  errors: [],
});

export const keyJobReportSchema = z
  .object({
    started: z
      .number()
      .int()
      .describe('Rotations started because a tenant’s policy made them due.'),
    advanced: z.number().int().describe('Running rotations this pass re-encrypted rows for.'),
    finished: z
      .number()
      .int()
      .describe('Rotations that finished (old key versions retired) in this pass.'),
  })
  .meta({ id: 'KeyJobReport' });

export const runKeyJobsOperation = defineOperation({
  method: 'post',
  path: '/jobs/keys',
  operationId: 'runKeyJobs',
  summary: 'Run the encryption key jobs once',
  description:
    'Starts the key rotations that tenants’ rotation policies make due and re-encrypts existing rows of ' +
    'running rotations in batches (for up to about 20 seconds), retiring an old key version once no row uses ' +
    'it. Each server process already does this every minute unless `KEY_JOBS=off`. Idempotent and safe to ' +
    'run concurrently: each batch commits with its progress, so an interrupted run loses nothing.',
  tag: 'Jobs',
  success: {
    status: 200,
    description: 'What the run did.',
    schema: keyJobReportSchema,
    example: { started: 1, advanced: 2, finished: 1 },
  },
  errors: [],
});

export const backupJobReportSchema = z
  .object({
    queued: z.number().int().describe('Daily backups queued for tenants without one in 24 hours.'),
    backups: z.number().int().describe('Backups made in this pass.'),
    restores: z.number().int().describe('Restores run in this pass (each in one transaction).'),
  })
  .meta({ id: 'BackupJobReport' });

export const runBackupJobsOperation = defineOperation({
  method: 'post',
  path: '/jobs/backups',
  operationId: 'runBackupJobs',
  summary: 'Run the backup jobs once',
  description:
    'Queues the daily backup of every live tenant that has none from the last 24 hours, makes pending ' +
    'backups (each a consistent snapshot of the tenant, sealed under its key, with a checksum; the oldest ' +
    'beyond the plan’s count are deleted) and runs pending restores, for up to about 30 seconds. Each server ' +
    'process already does this every minute unless `BACKUP_JOBS=off`. Idempotent: a backup or restore is ' +
    'claimed by one run only.',
  tag: 'Jobs',
  success: {
    status: 200,
    description: 'What the run did.',
    schema: backupJobReportSchema,
    example: { queued: 3, backups: 3, restores: 0 },
  },
  errors: [],
});

export const platformJobOperations = [
  runMeteringJobsOperation,
  runBillingJobsOperation,
  runKeyJobsOperation,
  runBackupJobsOperation,
];
