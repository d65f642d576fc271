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

/**
 * Every security event name. Those about a tenant are also kept in its security log: call
 * `recordSecurityEvent` / `reportSecurityEvent` (lib/activity), which write the row and this log
 * line together. Only events with no tenant (operator sign-in, the rate-limit store, a refused
 * host) come here alone.
 */
export type SecurityEvent =
  | 'auth.signed_in'
  | 'auth.sign_in_failed'
  | 'auth.sign_in_rate_limited'
  | 'auth.account_locked'
  | 'auth.session_rejected'
  | 'auth.mfa_failed'
  | 'auth.mfa_rate_limited'
  | 'permission.denied'
  | 'request.unknown_id'
  | 'api.rate_limited'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'invitation.accept_rate_limited'
  | 'invitation.accept_failed'
  | 'ratelimit.store_unavailable'
  | 'request.forwarded_host_refused';

/** Security-relevant events go to the log with a fixed `security` marker for alerting. */
export function logSecurityEvent(event: SecurityEvent, fields: Record<string, unknown> = {}): void {
  log.warn({ security: true, event, ...fields }, event);
}
