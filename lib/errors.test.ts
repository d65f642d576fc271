import { describe, expect, it } from 'vitest';
import { AppError, errorCodes, isAppError } from './errors';

describe('AppError', () => {
  it('maps every code to an HTTP status', () => {
    expect(new AppError('not_found', 'x').status).toBe(404);
    expect(new AppError('rate_limited', 'x', { retryAfterSeconds: 30 })).toMatchObject({
      status: 429,
      retryAfterSeconds: 30,
    });
    for (const status of Object.values(errorCodes)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('keeps field errors and is recognised', () => {
    const error = new AppError('invalid_input', 'bad', { fieldErrors: { slug: ['taken'] } });
    expect(isAppError(error)).toBe(true);
    expect(isAppError(new Error('x'))).toBe(false);
    expect(error.fieldErrors).toEqual({ slug: ['taken'] });
  });
});
