import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

async function loadMiddleware(env: Record<string, string> = {}) {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('./middleware')).middleware;
}

afterEach(() => vi.unstubAllEnvs());

function request(url: string, headers: Record<string, string> = {}) {
  const parsed = new URL(url);
  return new NextRequest(url, { headers: { host: parsed.host, ...headers } });
}

/** The request headers middleware hands on to the app (Next's override protocol). */
function forwardedHeaders(response: Response): Record<string, string> {
  const names = response.headers.get('x-middleware-override-headers')?.split(',') ?? [];
  return Object.fromEntries(
    names.map((name) => [name, response.headers.get(`x-middleware-request-${name}`) ?? '']),
  );
}

describe('middleware', () => {
  it('rewrites a tenant host to the portal route and tells the app which tenant', async () => {
    const middleware = await loadMiddleware();
    const response = middleware(request('http://acme.localhost:3000/documents?cursor=x'));
    expect(response.headers.get('x-middleware-rewrite')).toBe(
      'http://acme.localhost:3000/t/acme/documents?cursor=x',
    );
    expect(forwardedHeaders(response)['x-tenantry-tenant']).toBe('acme');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rewrites the tenant root to the portal home', async () => {
    const middleware = await loadMiddleware();
    expect(
      middleware(request('http://acme.localhost:3000/')).headers.get('x-middleware-rewrite'),
    ).toBe('http://acme.localhost:3000/t/acme');
  });

  it('passes tenant API routes through with the tenant set, and keeps platform routes off tenant hosts', async () => {
    const middleware = await loadMiddleware();
    const api = middleware(request('http://acme.localhost:3000/api/health'));
    expect(api.headers.get('x-middleware-rewrite')).toBeNull();
    expect(forwardedHeaders(api)['x-tenantry-tenant']).toBe('acme');
    for (const path of ['/admin', '/api/platform/v1/tenants', '/api/webhooks/stripe']) {
      expect(middleware(request(`http://acme.localhost:3000${path}`)).status).toBe(404);
    }
  });

  it('keeps the whole operator console off tenant hosts, and serves it on the root domain', async () => {
    const middleware = await loadMiddleware();
    for (const path of [
      '/admin',
      '/admin/',
      '/admin/sign-in',
      '/admin/tenants/00000000-0000-4000-8000-000000000000',
    ]) {
      expect(middleware(request(`http://acme.localhost:3000${path}`)).status, path).toBe(404);
    }
    const root = middleware(request('http://localhost:3000/admin/sign-in'));
    expect(root.status).toBe(200);
    expect(root.headers.get('x-middleware-rewrite')).toBeNull();
    expect(forwardedHeaders(root)['x-tenantry-tenant']).toBeUndefined();
  });

  it('serves the root domain as the platform and keeps tenant API routes off it', async () => {
    const middleware = await loadMiddleware();
    const root = middleware(request('http://localhost:3000/'));
    expect(root.headers.get('x-middleware-rewrite')).toBeNull();
    expect(forwardedHeaders(root)['x-tenantry-tenant']).toBeUndefined();
    expect(middleware(request('http://localhost:3000/api/v1/documents')).status).toBe(404);
  });

  it('never lets the internal portal route be reached directly', async () => {
    const middleware = await loadMiddleware();
    expect(middleware(request('http://localhost:3000/t/acme/documents')).status).toBe(404);
    expect(middleware(request('http://globex.localhost:3000/t/acme/documents')).status).toBe(404);
  });

  it('answers unknown and reserved hosts with 404, except the health check', async () => {
    const middleware = await loadMiddleware();
    expect(middleware(request('http://evil.example:3000/')).status).toBe(404);
    expect(middleware(request('http://admin.localhost:3000/')).status).toBe(404);
    expect(middleware(request('http://127.0.0.1:3000/api/health')).status).toBe(200);
  });

  it('strips incoming copies of its own headers and the subrequest marker', async () => {
    const middleware = await loadMiddleware();
    const response = middleware(
      request('http://acme.localhost:3000/documents', {
        'x-tenantry-tenant': 'globex',
        'x-request-id': 'forged',
        'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware',
      }),
    );
    const headers = forwardedHeaders(response);
    expect(headers['x-tenantry-tenant']).toBe('acme');
    expect(headers['x-request-id']).not.toBe('forged');
    expect(headers['x-middleware-subrequest']).toBeUndefined();
    const root = forwardedHeaders(
      middleware(request('http://localhost:3000/', { 'x-tenantry-tenant': 'globex' })),
    );
    expect(root['x-tenantry-tenant']).toBeUndefined();
  });

  it('drops proxy headers unless TRUST_PROXY is set', async () => {
    const untrusting = await loadMiddleware();
    const dropped = forwardedHeaders(
      untrusting(
        request('http://acme.localhost:3000/', {
          'x-forwarded-for': '6.6.6.6',
          forwarded: 'for=6.6.6.6',
        }),
      ),
    );
    expect(dropped['x-forwarded-for']).toBeUndefined();
    expect(dropped.forwarded).toBeUndefined();

    const trusting = await loadMiddleware({ TRUST_PROXY: 'true' });
    const kept = forwardedHeaders(
      trusting(request('http://acme.localhost:3000/', { 'x-forwarded-for': '203.0.113.9' })),
    );
    expect(kept['x-forwarded-for']).toBe('203.0.113.9');
  });

  it('refuses a forwarded host that disagrees with Host when no proxy is trusted', async () => {
    const middleware = await loadMiddleware();
    // Also the shape of Next's own localhost re-fetch after a server-action redirect.
    expect(
      middleware(request('http://localhost:3000/', { 'x-forwarded-host': 'acme.localhost:3000' }))
        .status,
    ).toBe(404);
    expect(
      middleware(
        request('http://acme.localhost:3000/', { 'x-forwarded-host': 'acme.localhost:3000' }),
      ).status,
    ).toBe(200);
  });

  it('takes the tenant from X-Forwarded-Host behind a trusted proxy', async () => {
    const middleware = await loadMiddleware({ TRUST_PROXY: 'true' });
    const response = middleware(
      request('http://10.0.0.5:3000/documents', { 'x-forwarded-host': 'globex.localhost:3000' }),
    );
    expect(forwardedHeaders(response)['x-tenantry-tenant']).toBe('globex');
  });
});
