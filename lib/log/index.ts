import pino from 'pino';
import { env } from '@/lib/env';

/**
 * Structured JSON logs. Call sites pass `requestId`, `tenantId` and `userId` where known.
 * Secrets are redacted by key name so a careless object dump cannot leak them.
 */
export const log = pino({
  level: env().LOG_LEVEL,
  base: { service: 'tenantry' },
  redact: {
    paths: [
      'password',
      '*.password',
      'token',
      '*.token',
      'secret',
      '*.secret',
      'authorization',
      '*.authorization',
      'cookie',
      '*.cookie',
    ],
    censor: '[redacted]',
  },
});

export type SecurityEvent =
  | 'auth.sign_in_failed'
  | 'auth.sign_in_rate_limited'
  | 'auth.session_rejected'
  | 'ratelimit.store_unavailable'
  | 'request.forwarded_host_refused';

/** Security-relevant events go to the log with a fixed `security` marker for alerting. */
export function logSecurityEvent(event: SecurityEvent, fields: Record<string, unknown> = {}): void {
  log.warn({ security: true, event, ...fields }, event);
}
