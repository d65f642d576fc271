import { describe, expect, it } from 'vitest';
import { isUniqueViolation, postgresErrorCode } from './errors';

describe('postgres error codes', () => {
  it('finds the code through drizzle’s wrapping', () => {
    const wrapped = new Error('Failed query', {
      cause: Object.assign(new Error('dup'), { code: '23505', constraint: 'tenants_slug_key' }),
    });
    expect(postgresErrorCode(wrapped)).toEqual({ code: '23505', constraint: 'tenants_slug_key' });
    expect(isUniqueViolation(wrapped, 'tenants_slug_key')).toBe(true);
    expect(isUniqueViolation(wrapped, 'users_email_key')).toBe(false);
    expect(isUniqueViolation(wrapped)).toBe(true);
  });

  it('ignores errors that are not from Postgres', () => {
    expect(postgresErrorCode(new Error('x'))).toEqual({});
    expect(postgresErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toEqual({});
    expect(postgresErrorCode(null)).toEqual({});
  });
});
