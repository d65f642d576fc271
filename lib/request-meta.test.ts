import { describe, expect, it } from 'vitest';
import { clientIp } from './request-meta';

describe('clientIp', () => {
  it('takes the first X-Forwarded-For entry (middleware removed any client copy unless a proxy is trusted)', () => {
    expect(clientIp(new Headers({ 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }))).toBe(
      '203.0.113.9',
    );
    expect(clientIp(new Headers({ 'x-forwarded-for': '::1' }))).toBe('::1');
  });

  it('is null when unknown', () => {
    expect(clientIp(new Headers())).toBeNull();
    expect(clientIp(new Headers({ 'x-forwarded-for': ' ' }))).toBeNull();
  });
});
