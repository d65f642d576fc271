import { z } from 'zod';
import { buildMetricCatalogue } from '@/lib/metering/metrics';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    ROOT_DOMAIN: z
      .string()
      .regex(
        /^[a-z0-9.-]+(:\d+)?$/,
        'ROOT_DOMAIN is a host with an optional port, e.g. example.com',
      )
      .default('localhost:3000'),
    DATABASE_URL: z.string().url().optional(),
    DATABASE_DRIVER: z.enum(['pglite', 'pg', 'neon']).optional(),
    PGLITE_DIR: z.string().min(1).default('./.data/pglite'),
    NEON_WS_PROXY: z.string().optional(),
    AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
    TRUST_PROXY: booleanFlag,
    UPSTASH_REDIS_REST_URL: z.string().url().optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
    /**
     * What the tenant API does when the rate-limit store cannot answer: `open` serves the request
     * uncounted (availability), `closed` answers 503. Logged as a security event either way.
     */
    API_RATE_LIMIT_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
    PLATFORM_API_TOKEN: z
      .string()
      .min(32, 'PLATFORM_API_TOKEN must be at least 32 characters')
      .optional(),
    PLATFORM_ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    BENCH_ROUTES: booleanFlag,
    /** Custom billable metrics: a JSON array of definitions (lib/metering/metrics.ts). */
    BILLABLE_METRICS: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        try {
          buildMetricCatalogue(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
    /**
     * `on` (default): each server process runs the metering jobs (rollups, gauges, allowance
     * notices) every minute. `off`: something else drives them through the platform API's
     * POST /api/platform/v1/jobs/metering (a cron on a serverless host).
     */
    METERING_JOBS: z.enum(['on', 'off']).default('on'),
    /** Stripe mode when set (with STRIPE_WEBHOOK_SECRET); unset → internal billing. */
    STRIPE_SECRET_KEY: z.string().startsWith('sk_', 'STRIPE_SECRET_KEY starts with sk_').optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .startsWith('whsec_', 'STRIPE_WEBHOOK_SECRET starts with whsec_')
      .optional(),
    /** Where the Stripe SDK sends its calls; only for a local fake in tests and development. */
    STRIPE_API_URL: z.string().url().optional(),
    /** Days a tenant stays past due after a failed payment before billing suspends it. */
    BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(90).default(7),
    /** BILLING_JOBS=off: no in-process billing schedule (POST /api/platform/v1/jobs/billing). */
    BILLING_JOBS: z.enum(['on', 'off']).default('on'),
    /**
     * The key-encryption key that wraps every tenant's data keys: 32 random bytes in base64
     * (`openssl rand -base64 32`). Required in production; development keeps a generated one
     * in ./.data. ENCRYPTION_MASTER_KEY_ID names it beside each wrapped key.
     */
    ENCRYPTION_MASTER_KEY: z.string().optional(),
    ENCRYPTION_MASTER_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'ENCRYPTION_MASTER_KEY_ID is 1–64 letters, digits, . _ -')
      .default('local-1'),
    /**
     * Earlier master keys, still needed to unwrap data keys until `npm run keys:rewrap` has
     * re-wrapped them under the current one: `id=base64key` pairs separated by commas.
     */
    ENCRYPTION_PREVIOUS_MASTER_KEYS: z.string().optional(),
    /** KEY_JOBS=off: no in-process key schedule (POST /api/platform/v1/jobs/keys). */
    KEY_JOBS: z.enum(['on', 'off']).default('on'),
    /** BACKUP_JOBS=off: no in-process backup schedule (POST /api/platform/v1/jobs/backups). */
    BACKUP_JOBS: z.enum(['on', 'off']).default('on'),
    /** smtp:// or smtps:// with credentials; unset → mail lands in the outbox (dev mailbox). */
    SMTP_URL: z
      .string()
      .url()
      .refine((value) => /^smtps?:\/\//.test(value), 'SMTP_URL must start with smtp:// or smtps://')
      .optional(),
    /** The From of every message; default "Tenantry <no-reply@ROOT_DOMAIN without its port>". */
    MAIL_FROM: z.string().trim().min(3).max(200).optional(),
    /** Serve the development mailbox (/dev/mailbox) even under NODE_ENV=production (e2e only). */
    DEV_MAILBOX: booleanFlag,
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.UPSTASH_REDIS_REST_URL && !env.UPSTASH_REDIS_REST_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['UPSTASH_REDIS_REST_TOKEN'],
        message: 'UPSTASH_REDIS_REST_TOKEN is required when UPSTASH_REDIS_REST_URL is set',
      });
    }
    if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY'],
        message: 'Stripe mode needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Parses the environment; throws one readable error listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const blankAsUnset = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(blankAsUnset);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}\nSee .env.example.`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated configuration, read once per process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Which database driver the configuration selects (DESIGN.md: no URL → PGlite). */
export function databaseDriver(
  config: Pick<Env, 'DATABASE_URL' | 'DATABASE_DRIVER'>,
): 'pglite' | 'pg' | 'neon' {
  if (config.DATABASE_DRIVER) return config.DATABASE_DRIVER;
  if (!config.DATABASE_URL) return 'pglite';
  const host = new URL(config.DATABASE_URL).hostname;
  return host.endsWith('.neon.tech') || host.endsWith('.neon.build') ? 'neon' : 'pg';
}
