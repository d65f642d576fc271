import { NextResponse, type NextRequest } from 'next/server';
import { env } from '@/lib/env';
import { INTERNAL_HEADERS, parseHost } from '@/lib/host';

/**
 * Host → tenant, and nothing else: no database, no authorization (every page, action and
 * route checks its own). A request on `<slug>.<ROOT_DOMAIN>` is rewritten to the tenant
 * portal under /t/<slug>; the root domain serves the platform.
 */

// Headers a client must never be able to set: ours, and Next's internal recursion marker.
const STRIPPED_ALWAYS = [...Object.values(INTERNAL_HEADERS), 'x-middleware-subrequest'];
// Proxy headers, unless TRUST_PROXY says a proxy we control sets them.
const STRIPPED_UNLESS_TRUSTED = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
];

const PLATFORM_ONLY_PREFIXES = ['/api/platform', '/api/webhooks', '/admin'];
const TENANT_ONLY_PREFIXES = ['/api/v1'];

function startsWithSegment(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

function notFound(): NextResponse {
  return new NextResponse('Not found', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

export function middleware(request: NextRequest): NextResponse {
  const { TRUST_PROXY, ROOT_DOMAIN } = env();
  const incomingHost = request.headers.get('host');
  const forwardedHost = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();

  // Without a trusted proxy, a forwarded host that disagrees with Host is either spoofed or
  // Next's own re-fetch after a server-action redirect (which arrives as localhost): neither
  // may be served as the root domain, so refuse it and let the browser navigate itself.
  if (!TRUST_PROXY && forwardedHost && forwardedHost !== incomingHost) return notFound();

  const host = TRUST_PROXY && forwardedHost ? forwardedHost : incomingHost;
  const resolution = parseHost(host, ROOT_DOMAIN);
  const { pathname } = request.nextUrl;

  const headers = new Headers(request.headers);
  for (const name of STRIPPED_ALWAYS) headers.delete(name);
  if (!TRUST_PROXY) for (const name of STRIPPED_UNLESS_TRUSTED) headers.delete(name);
  const requestId = crypto.randomUUID();
  headers.set(INTERNAL_HEADERS.requestId, requestId);

  // The portal's internal route is reached only through the rewrite below.
  if (startsWithSegment(pathname, '/t')) return notFound();

  const respond = (response: NextResponse) => {
    response.headers.set(INTERNAL_HEADERS.requestId, requestId);
    return response;
  };

  if (resolution.kind === 'unknown') {
    if (startsWithSegment(pathname, '/api/health'))
      return respond(NextResponse.next({ request: { headers } }));
    return notFound();
  }

  if (resolution.kind === 'root') {
    if (TENANT_ONLY_PREFIXES.some((prefix) => startsWithSegment(pathname, prefix)))
      return notFound();
    return respond(NextResponse.next({ request: { headers } }));
  }

  if (PLATFORM_ONLY_PREFIXES.some((prefix) => startsWithSegment(pathname, prefix)))
    return notFound();
  headers.set(INTERNAL_HEADERS.tenantSlug, resolution.slug);
  if (startsWithSegment(pathname, '/api'))
    return respond(NextResponse.next({ request: { headers } }));

  const url = request.nextUrl.clone();
  url.pathname = `/t/${resolution.slug}${pathname === '/' ? '' : pathname}`;
  return respond(NextResponse.rewrite(url, { request: { headers } }));
}

export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
