import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { DatabaseHandle } from '@/db/client';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { apiScopes } from '@/lib/api-keys';
import { errorCodes } from '@/lib/errors';
import { INTERNAL_HEADERS } from '@/lib/host';
import type { RouteHandler } from './handler';
import {
  API_BASE_PATHS,
  apiOperations,
  apiReference,
  errorCodesOf,
  openApiDocument,
  type ApiKind,
} from './openapi';
import { tenantV1Operations } from './tenant-v1';

/** The parts of a generated operation object this test reads. */
type DocumentedOperation = {
  security?: unknown;
  'x-required-scope'?: string;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  responses: Record<
    string,
    | { content?: Record<string, { schema?: unknown; examples?: Record<string, unknown> }> }
    | undefined
  >;
};

/**
 * The route-wide net. Every `app/api/**\/route.ts` is found on disk and imported; each HTTP method
 * it exports must be a tenantRoute/platformRoute wrapper whose operation sits at the file's own
 * method and path and appears in that API's OpenAPI document. A new route that forgets the
 * wrapper, the operation list or the documentation fails here; so does one whose wrapper lets an
 * unauthenticated request through.
 */

vi.hoisted(() => {
  // lib/env is read once (lib/log reads it at import time): the platform routes must see a token,
  // or they would answer 503 before the authentication this suite checks.
  process.env.PLATFORM_API_TOKEN ??= `route-test-platform-token-${'y'.repeat(32)}`;
  // Stripe mode, so the signature-guarded webhook reaches its signature check (internal mode
  // answers 404 before it). No Stripe call is made: every request here is refused first.
  process.env.STRIPE_SECRET_KEY ??= 'sk_test_route_walker';
  process.env.STRIPE_WEBHOOK_SECRET ??= 'whsec_route_walker';
});

/** Routes that are deliberately not API operations. Keep it short; each entry says why. */
const EXEMPT: Readonly<Record<string, string>> = {
  '/api/health': 'liveness probe for load balancers; no authentication by design',
  '/api/v1/openapi.json': 'the tenant API’s own documentation',
  '/api/platform/v1/openapi.json': 'the platform API’s own documentation',
  '/api/bench/constant': 'benchmark baseline; answers 404 unless BENCH_ROUTES is set',
  '/api/auth/callback/oidc':
    'the single sign-on redirect URI (Auth.js, tenant hosts only); lib/sso tests it against a real OIDC provider',
};

/**
 * Routes outside both APIs whose caller proves itself by its own guard instead of a bearer
 * credential, by the guard their handler declares (`handler.guard`). Each one is checked below:
 * unsigned and wrongly signed requests are refused.
 */
const SIGNED: Readonly<Record<string, { guard: string; reason: string }>> = {
  '/api/webhooks/stripe': {
    guard: 'stripe-signature',
    reason:
      'Stripe’s webhooks: the Stripe-Signature header verified by the SDK (lib/billing/webhooks)',
  },
};

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ROUTE_CONFIG_EXPORTS = new Set([
  'dynamic',
  'dynamicParams',
  'revalidate',
  'fetchCache',
  'runtime',
  'preferredRegion',
  'maxDuration',
]);

const APP_API = path.resolve(import.meta.dirname, '../../app/api');

type RouteFile = { file: string; urlPath: string; module: Record<string, unknown> };

function urlPathOf(file: string): string {
  const segments = path
    .relative(path.resolve(APP_API, '..'), path.dirname(file))
    .split(path.sep)
    .filter((segment) => !/^\(.*\)$/.test(segment)) // route groups are not part of the URL
    .map((segment) => segment.replace(/^\[([A-Za-z0-9_]+)\]$/, '{$1}'));
  return `/${segments.join('/')}`;
}

function apiOf(urlPath: string): { kind: ApiKind; path: string } | null {
  // The longer base first: /api/platform/v1 is not under /api/v1, but be explicit anyway.
  for (const kind of ['platform', 'tenant'] as const) {
    const base = API_BASE_PATHS[kind];
    if (urlPath === base || urlPath.startsWith(`${base}/`))
      return { kind, path: urlPath.slice(base.length) || '/' };
  }
  return null;
}

let routeFiles: RouteFile[] = [];
let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
  const files = readdirSync(APP_API, { recursive: true, encoding: 'utf8' })
    .filter((file) => /(^|[/\\])route\.tsx?$/.test(file))
    .map((file) => path.join(APP_API, file))
    .sort();
  routeFiles = await Promise.all(
    files.map(async (file) => ({
      file,
      urlPath: urlPathOf(file),
      module: (await import(file)) as Record<string, unknown>,
    })),
  );
});
afterAll(() => teardownTestDatabase(handle));

function isRouteHandler(value: unknown): value is RouteHandler {
  return typeof value === 'function' && 'operation' in value && 'api' in value;
}

/** Every wrapped route export, with what the file's location says it must be. */
function wrappedRoutes() {
  return routeFiles
    .filter((route) => !(route.urlPath in EXEMPT) && !(route.urlPath in SIGNED))
    .flatMap((route) =>
      HTTP_METHODS.filter((method) => method in route.module).map((method) => ({
        route,
        method,
        handler: route.module[method] as RouteHandler,
        api: apiOf(route.urlPath),
      })),
    );
}

describe('every API route file', () => {
  it('was found on disk (the enumeration itself works)', () => {
    const paths = routeFiles.map((route) => route.urlPath);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/health',
        '/api/platform/v1/tenants',
        '/api/platform/v1/tenants/{id}',
      ]),
    );
    expect(wrappedRoutes().length).toBeGreaterThanOrEqual(5);
  });

  it('exports only HTTP methods and route segment config', () => {
    const stray = routeFiles.flatMap((route) =>
      Object.keys(route.module)
        .filter(
          (name) =>
            !(HTTP_METHODS as readonly string[]).includes(name) && !ROUTE_CONFIG_EXPORTS.has(name),
        )
        .map((name) => `${route.urlPath}: ${name}`),
    );
    expect(stray).toEqual([]);
  });

  it('wraps every method in tenantRoute/platformRoute with the operation of its own method, path and API', () => {
    const problems: string[] = [];
    for (const { route, method, handler, api } of wrappedRoutes()) {
      const where = `${method} ${route.urlPath}`;
      if (!api) {
        problems.push(
          `${where}: not under ${Object.values(API_BASE_PATHS).join(' or ')}; wrap it in an API or add it to EXEMPT with a reason`,
        );
        continue;
      }
      if (!isRouteHandler(handler)) {
        problems.push(`${where}: not wrapped in ${api.kind}Route(operation, handler)`);
        continue;
      }
      if (handler.api !== api.kind)
        problems.push(
          `${where}: wrapped as a ${handler.api} route but lives in the ${api.kind} API`,
        );
      if (handler.operation.method !== method.toLowerCase())
        problems.push(`${where}: its operation says ${handler.operation.method}`);
      if (handler.operation.path !== api.path)
        problems.push(
          `${where}: its operation's path is ${handler.operation.path}, expected ${api.path}`,
        );
      if (!apiOperations[api.kind].includes(handler.operation)) {
        problems.push(
          `${where}: operation ${handler.operation.operationId} is missing from the ${api.kind} operation list`,
        );
      }
      const documented = (
        openApiDocument(api.kind).paths?.[api.path] as
          Record<string, { operationId?: string }> | undefined
      )?.[method.toLowerCase()];
      if (documented?.operationId !== handler.operation.operationId)
        problems.push(`${where}: not in the ${api.kind} OpenAPI document`);
    }
    expect(problems).toEqual([]);
  });

  it('implements every documented operation (no operation without a route)', () => {
    const served = new Set(
      wrappedRoutes()
        .map(({ handler }) => (isRouteHandler(handler) ? handler.operation : null))
        .filter(Boolean),
    );
    const missing = (['tenant', 'platform'] as const).flatMap((kind) =>
      apiOperations[kind]
        .filter((operation) => !served.has(operation))
        .map((operation) => `${kind}: ${operation.operationId}`),
    );
    expect(missing).toEqual([]);
  });
});

/** A request to a route file's URL (made-up path parameters, an empty JSON body), wrapped or not. */
function requestFor(urlPath: string, method: string, headers: Record<string, string>) {
  const ids: Record<string, string> = {};
  const concrete = urlPath.replace(/\{(\w+)\}/g, (_, name: string) => (ids[name] = randomUUID()));
  const request = new Request(`http://localhost:3000${concrete}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{}',
  });
  return { request, context: { params: Promise.resolve(ids) } };
}

describe('the authentication net', () => {
  it('every platform route answers 401 without the token, and with a wrong one', async () => {
    const routes = wrappedRoutes().filter(({ api }) => api?.kind === 'platform');
    expect(routes.length).toBeGreaterThan(0);
    for (const { route, method, handler } of routes) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<
        string,
        string
      >[]) {
        const { request, context } = requestFor(route.urlPath, method, headers);
        const response = await handler(request, context);
        expect({ route: `${method} ${route.urlPath}`, status: response.status }).toEqual({
          route: `${method} ${route.urlPath}`,
          status: 401,
        });
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
          'unauthenticated',
        );
      }
    }
  });

  it('every tenant route answers 401 on a real tenant’s host without a valid key, 404 on an unknown host', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const routes = wrappedRoutes().filter(({ api }) => api?.kind === 'tenant');
    expect(routes.length).toBeGreaterThan(0);
    const cases: [Record<string, string>, number][] = [
      [{ [INTERNAL_HEADERS.tenantSlug]: tenant.slug }, 401],
      [
        {
          [INTERNAL_HEADERS.tenantSlug]: tenant.slug,
          authorization: `Bearer tnry_${'A'.repeat(43)}`,
        },
        401,
      ],
      [{ [INTERNAL_HEADERS.tenantSlug]: tenant.slug, authorization: 'Bearer not-even-a-key' }, 401],
      [{ [INTERNAL_HEADERS.tenantSlug]: `no-such-${randomUUID().slice(0, 8)}` }, 404],
      [{}, 404],
    ];
    for (const { route, method, handler } of routes) {
      for (const [headers, expected] of cases) {
        const { request, context } = requestFor(route.urlPath, method, headers);
        const response = await handler(request, context);
        expect({ route: `${method} ${route.urlPath}`, headers, status: response.status }).toEqual({
          route: `${method} ${route.urlPath}`,
          headers,
          status: expected,
        });
      }
    }
  });
});

describe('the signature-guarded routes', () => {
  const signedRoutes = () =>
    routeFiles
      .filter((route) => route.urlPath in SIGNED)
      .flatMap((route) =>
        HTTP_METHODS.filter((method) => method in route.module).map((method) => ({
          route,
          method,
          handler: route.module[method] as ((request: Request) => Promise<Response>) & {
            guard?: string;
          },
        })),
      );

  it('exist, each method declaring the guard it is listed with', () => {
    expect(Object.keys(SIGNED).filter((p) => !routeFiles.some((r) => r.urlPath === p))).toEqual([]);
    const routes = signedRoutes();
    expect(routes.length).toBeGreaterThan(0);
    for (const { route, method, handler } of routes)
      expect({ route: `${method} ${route.urlPath}`, guard: handler.guard }).toEqual({
        route: `${method} ${route.urlPath}`,
        guard: SIGNED[route.urlPath]!.guard,
      });
  });

  it('refuse unsigned and wrongly signed requests with 400', async () => {
    for (const { route, method, handler } of signedRoutes()) {
      for (const headers of [
        {},
        { 'stripe-signature': 't=1,v1=00' },
        { 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'a'.repeat(64)}` },
      ] as Record<string, string>[]) {
        const { request } = requestFor(route.urlPath, method, headers);
        const response = await handler(request);
        expect({ route: `${method} ${route.urlPath}`, headers, status: response.status }).toEqual({
          route: `${method} ${route.urlPath}`,
          headers,
          status: 400,
        });
      }
    }
  });
});

describe('the operations', () => {
  it('of the tenant API each require a known scope', () => {
    for (const operation of tenantV1Operations) {
      expect({ operation: operation.operationId, scope: operation.scope }).toEqual({
        operation: operation.operationId,
        scope: expect.toBeOneOf([...apiScopes]),
      });
    }
  });

  it('have unique operation ids and method+path pairs per API', () => {
    for (const kind of ['tenant', 'platform'] as const) {
      const ids = apiOperations[kind].map((operation) => operation.operationId);
      const routes = apiOperations[kind].map(
        (operation) => `${operation.method} ${operation.path}`,
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(routes).size).toBe(routes.length);
    }
  });

  it('declare error codes that exist', () => {
    for (const operation of [...apiOperations.tenant, ...apiOperations.platform]) {
      for (const code of operation.errors) expect(Object.keys(errorCodes)).toContain(code);
    }
  });
});

/** Every schema reachable from a root, with its `.meta({ example })` if it has one. */
function* schemasWithExamples(
  root: z.ZodType,
  seen = new Set<unknown>(),
): Generator<{ schema: z.ZodType; example: unknown }> {
  if (seen.has(root)) return;
  seen.add(root);
  const meta = z.globalRegistry.get(root);
  if (meta && meta.example !== undefined) yield { schema: root, example: meta.example };
  const def = root._zod.def as unknown as Record<string, unknown>;
  const children: unknown[] = [];
  for (const key of ['innerType', 'element', 'in', 'out', 'keyType', 'valueType', 'left', 'right'])
    children.push(def[key]);
  if (def.shape) children.push(...Object.values(def.shape as Record<string, unknown>));
  if (Array.isArray(def.options)) children.push(...def.options);
  if (Array.isArray(def.items)) children.push(...def.items);
  for (const child of children)
    if (child instanceof z.ZodType) yield* schemasWithExamples(child, seen);
}

describe('every example', () => {
  const operations = (['tenant', 'platform'] as const).flatMap((kind) =>
    apiOperations[kind].map(
      (operation) => [`${kind} ${operation.operationId}`, operation] as const,
    ),
  );

  it.each(operations)('of %s validates against its schema', (_name, operation) => {
    if (operation.body) {
      expect(operation.bodyExample, 'an operation with a body gives a bodyExample').toBeDefined();
      expect(operation.body.safeParse(operation.bodyExample).error?.issues).toBeUndefined();
    }
    if (operation.success.example !== undefined) {
      expect(operation.success.schema, 'an example needs a schema').toBeDefined();
      expect(
        operation.success.schema!.safeParse(operation.success.example).error?.issues,
      ).toBeUndefined();
    }
    const roots = [
      operation.params,
      operation.query,
      operation.body,
      operation.success.schema,
    ].filter((schema): schema is z.ZodType => schema !== undefined);
    for (const root of roots) {
      for (const { schema, example } of schemasWithExamples(root)) {
        expect(schema.safeParse(example).error?.issues, JSON.stringify(example)).toBeUndefined();
      }
    }
  });

  it.each(operations)(
    'of %s in the document (given or assembled) validates against the response schema',
    (name, operation) => {
      const kind = name.split(' ')[0] as ApiKind;
      const documented = apiReference(kind).operations.find(
        (entry) => entry.operationId === operation.operationId,
      );
      expect(documented).toBeDefined();
      if (!operation.success.schema) return expect(documented!.success.example).toBeUndefined();
      expect(documented!.success.example).toBeDefined();
      expect(
        operation.success.schema.safeParse(documented!.success.example).error?.issues,
      ).toBeUndefined();
      if (operation.body) expect(documented!.requestExample).toEqual(operation.bodyExample);
    },
  );
});

describe('the OpenAPI documents', () => {
  it.each(['tenant', 'platform'] as const)(
    '%s: 3.1.0, cached, with servers, security and every operation’s errors',
    (kind) => {
      const document = openApiDocument(kind);
      expect(document).toBe(openApiDocument(kind));
      expect(document.openapi).toBe('3.1.0');
      expect(document.servers?.[0]?.url).toMatch(
        new RegExp(`${API_BASE_PATHS[kind].replaceAll('/', '\\/')}$`),
      );
      const scheme = kind === 'tenant' ? 'apiKey' : 'platformToken';
      expect(document.components?.securitySchemes?.[scheme]).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(document.components?.schemas?.Error).toBeDefined();

      for (const operation of apiOperations[kind]) {
        const documented = (
          document.paths?.[operation.path] as unknown as Record<string, DocumentedOperation>
        )[operation.method]!;
        expect(documented.security).toEqual([
          { [scheme]: kind === 'tenant' ? [(operation as { scope: string }).scope] : [] },
        ]);
        if (kind === 'tenant')
          expect(documented['x-required-scope']).toBe((operation as { scope: string }).scope);
        expect(Object.keys(documented.responses)).toEqual(
          expect.arrayContaining([String(operation.success.status), '401', '500']),
        );
        if (operation.params || operation.query || operation.body)
          expect(documented.responses['400']).toBeDefined();
        for (const code of errorCodesOf(kind, operation)) {
          const response = documented.responses[String(errorCodes[code])];
          expect(
            response?.content?.['application/json']?.examples?.[code],
            `${operation.operationId} documents ${code}`,
          ).toBeDefined();
          expect(response?.content?.['application/json']?.schema).toEqual({
            $ref: '#/components/schemas/Error',
          });
        }
        for (const code of operation.errors) expect(errorCodesOf(kind, operation)).toContain(code);
        const pathParams = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        const declared = (documented.parameters ?? []).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name).sort()).toEqual(pathParams.sort());
        expect(declared.every((p) => p.required)).toBe(true);
      }
    },
  );

  it('is served as JSON on the root domain (platform) and on a tenant’s host (tenant), without credentials', async () => {
    const platform = routeFiles.find((route) => route.urlPath === '/api/platform/v1/openapi.json')!
      .module.GET as () => Response;
    const platformResponse = platform();
    expect(platformResponse.status).toBe(200);
    const platformDocument = JSON.parse(await platformResponse.text()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(platformDocument.openapi).toBe('3.1.0');
    expect(Object.keys(platformDocument.paths)).toEqual(
      expect.arrayContaining(['/tenants', '/tenants/{id}']),
    );

    const tenantRoute = routeFiles.find((route) => route.urlPath === '/api/v1/openapi.json')!.module
      .GET as (request: Request) => Promise<Response>;
    const tenant = await createTenant();
    const served = await tenantRoute(
      new Request('http://localhost:3000/api/v1/openapi.json', {
        headers: { [INTERNAL_HEADERS.tenantSlug]: tenant.slug },
      }),
    );
    expect(served.status).toBe(200);
    const tenantDocument = JSON.parse(await served.text()) as {
      openapi: string;
      servers: { url: string; variables: Record<string, { default: string }> }[];
    };
    expect(tenantDocument.openapi).toBe('3.1.0');
    expect(tenantDocument.servers[0]!.url).toContain('{tenant}.');
    expect(tenantDocument.servers[0]!.variables.tenant!.default).toBe(tenant.slug);
    // The cached document is not changed by serving one tenant's copy.
    expect(openApiDocument('tenant').servers?.[0]?.variables?.tenant?.default).toBe('acme');

    const unknown = await tenantRoute(
      new Request('http://localhost:3000/api/v1/openapi.json', {
        headers: { [INTERNAL_HEADERS.tenantSlug]: 'no-such-tenant' },
      }),
    );
    expect(unknown.status).toBe(404);
    const noHost = await tenantRoute(new Request('http://localhost:3000/api/v1/openapi.json'));
    expect(noHost.status).toBe(404);
  });

  it('feeds the reference page: every operation with method, path, errors and examples', () => {
    for (const kind of ['tenant', 'platform'] as const) {
      const reference = apiReference(kind);
      expect(reference.operations).toHaveLength(apiOperations[kind].length);
      for (const operation of reference.operations) {
        expect(operation.errors.map((error) => error.code)).toContain('unauthenticated');
        if (kind === 'tenant') expect(operation.scope).toBeDefined();
      }
    }
    const create = apiReference('platform').operations.find(
      (operation) => operation.operationId === 'createTenant',
    )!;
    expect(create).toMatchObject({ method: 'POST', path: '/tenants', success: { status: 201 } });
    expect(create.bodyFields.map((field) => field.name)).toEqual(
      expect.arrayContaining(['slug', 'name', 'ownerEmail']),
    );
    expect(create.errors).toContainEqual(
      expect.objectContaining({ status: 409, code: 'slug_taken' }),
    );
  });
});
