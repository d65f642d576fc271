import { z } from 'zod';

/**
 * Host → tenant, shared by middleware and every server entry point. Pure: no database,
 * no Next.js imports, so it runs anywhere and is unit-tested exhaustively.
 */

export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'assets',
  'auth',
  'billing',
  'blog',
  'cdn',
  'dashboard',
  'dev',
  'docs',
  'email',
  'ftp',
  'help',
  'internal',
  'login',
  'mail',
  'mx',
  'ns1',
  'ns2',
  'platform',
  'root',
  'signin',
  'signup',
  'smtp',
  'staging',
  'static',
  'status',
  'support',
  'system',
  'tenantry',
  'test',
  'www',
]);

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, 'Use at least 3 characters.')
  .max(63, 'Use at most 63 characters.')
  .regex(
    SLUG_PATTERN,
    'Use lowercase letters, digits and hyphens; start and end with a letter or digit.',
  )
  .refine((slug) => !slug.includes('--'), 'Do not use two hyphens in a row.')
  .refine((slug) => !RESERVED_SLUGS.has(slug), 'This name is reserved. Choose another.');

/** Headers that only middleware may set; every incoming copy is removed first. */
export const INTERNAL_HEADERS = {
  tenantSlug: 'x-tenantry-tenant',
  requestId: 'x-request-id',
} as const;

export type HostResolution =
  { kind: 'root' } | { kind: 'tenant'; slug: string } | { kind: 'unknown' };

export function parseHost(rawHost: string | null | undefined, rootDomain: string): HostResolution {
  if (!rawHost) return { kind: 'unknown' };
  const host = rawHost
    .trim()
    .toLowerCase()
    .replace(/\.(?=:|$)/, '');
  const root = rootDomain.toLowerCase();
  if (host === root || host === `www.${root}`) return { kind: 'root' };
  if (!host.endsWith(`.${root}`)) return { kind: 'unknown' };
  const label = host.slice(0, -(root.length + 1));
  if (!SLUG_PATTERN.test(label) || label.includes('--') || RESERVED_SLUGS.has(label))
    return { kind: 'unknown' };
  return { kind: 'tenant', slug: label };
}

/** The tenant's portal address, built from configuration (never from a request's Host). */
export function tenantOrigin(slug: string, rootDomain: string, protocol: 'http' | 'https'): string {
  return `${protocol}://${slug}.${rootDomain}`;
}

export function rootOrigin(rootDomain: string, protocol: 'http' | 'https'): string {
  return `${protocol}://${rootDomain}`;
}

/** Plain localhost development serves http; every other root domain is https. */
export function protocolFor(rootDomain: string): 'http' | 'https' {
  return /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(rootDomain) ? 'http' : 'https';
}
