import { describe, expect, it } from 'vitest';
import {
  parseHost,
  protocolFor,
  RESERVED_SLUGS,
  rootOrigin,
  slugSchema,
  tenantOrigin,
} from './index';

describe('parseHost', () => {
  const root = 'localhost:3000';

  it.each([
    ['localhost:3000', { kind: 'root' }],
    ['LOCALHOST:3000', { kind: 'root' }],
    ['www.localhost:3000', { kind: 'root' }],
    ['acme.localhost:3000', { kind: 'tenant', slug: 'acme' }],
    ['Acme.LocalHost:3000', { kind: 'tenant', slug: 'acme' }],
    ['my-team-2.localhost:3000', { kind: 'tenant', slug: 'my-team-2' }],
  ])('%s → %o', (host, expected) => {
    expect(parseHost(host, root)).toEqual(expected);
  });

  it.each([
    null,
    '',
    'localhost:3001',
    'acme.localhost:3001',
    'acme.localhost',
    'evil.com',
    'acme.evil.com',
    'localhost:3000.evil.com',
    'a.b.localhost:3000',
    'ab.localhost:3000',
    '-acme.localhost:3000',
    'acme-.localhost:3000',
    'ac--me.localhost:3000',
    'ac_me.localhost:3000',
    'admin.localhost:3000',
    'api.localhost:3000',
    `${'a'.repeat(64)}.localhost:3000`,
  ])('%s is not a tenant', (host) => {
    expect(parseHost(host, root).kind).not.toBe('tenant');
  });

  it('handles a root domain without a port and a trailing dot', () => {
    expect(parseHost('acme.example.com.', 'example.com')).toEqual({ kind: 'tenant', slug: 'acme' });
    expect(parseHost('example.com', 'example.com')).toEqual({ kind: 'root' });
  });
});

describe('slugSchema', () => {
  it('normalises case and whitespace', () => {
    expect(slugSchema.parse('  Acme-Labs ')).toBe('acme-labs');
  });

  it.each([
    ['ab', 'at least 3'],
    ['a'.repeat(64), 'at most 63'],
    ['acme_labs', 'lowercase letters'],
    ['-acme', 'lowercase letters'],
    ['ac--me', 'two hyphens'],
    ['admin', 'reserved'],
    ['www', 'reserved'],
  ])('refuses %s (%s)', (slug, message) => {
    const result = slugSchema.safeParse(slug);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join(' ')).toContain(message);
  });

  it('reserves the names the platform needs', () => {
    for (const name of ['www', 'admin', 'api', 'app', 'auth', 'mail', 'static'])
      expect(RESERVED_SLUGS.has(name)).toBe(true);
  });
});

describe('origins', () => {
  it('builds portal addresses from configuration', () => {
    expect(tenantOrigin('acme', 'localhost:3000', 'http')).toBe('http://acme.localhost:3000');
    expect(rootOrigin('example.com', 'https')).toBe('https://example.com');
  });

  it('serves plain http only for local development hosts', () => {
    expect(protocolFor('localhost:3000')).toBe('http');
    expect(protocolFor('127.0.0.1:3000')).toBe('http');
    expect(protocolFor('example.com')).toBe('https');
  });
});
