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

export const platformJobOperations = [runMeteringJobsOperation];
