import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { apiScopes, type ApiScope } from '@/lib/api-keys';
import { env } from '@/lib/env';
import { errorCodes, type ErrorCode } from '@/lib/errors';
import { protocolFor, rootOrigin, tenantOrigin } from '@/lib/host';
import type { ApiOperation } from './contract';
import { platformV1Operations } from './platform-v1';
import { platformJobOperations } from './platform-jobs';
import { tenantV1Operations } from './tenant-v1';

/**
 * The OpenAPI 3.1 documents of both REST APIs, generated from the same operation definitions
 * (zod schemas included) that the route wrappers validate with, so documentation and behaviour
 * cannot drift apart. Built once per process; served as JSON and rendered at /docs/api.
 */

export type ApiKind = 'tenant' | 'platform';
export type OpenApiDocument = ReturnType<typeof createDocument>;
type TenantOperation = ApiOperation & { scope: ApiScope };

export const API_BASE_PATHS: Readonly<Record<ApiKind, string>> = {
  tenant: '/api/v1',
  platform: '/api/platform/v1',
};
export const TENANT_SERVER_VARIABLE = 'tenant';

/** The one error shape of both APIs (lib/api/respond.ts). */
export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z
        .enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]])
        .describe('Stable, snake_case; branch on this.'),
      message: z.string().describe('For people: may change wording at any time.'),
      details: z
        .record(z.string(), z.array(z.string()))
        .optional()
        .describe('Field errors of a 400 (or 409): field path → messages.'),
    }),
  })
  .meta({
    id: 'Error',
    example: {
      error: {
        code: 'invalid_input',
        message: 'Check the highlighted fields.',
        details: { slug: ['Use at least 3 characters.'] },
      },
    },
  });

/** What each error code means, for the documents' response descriptions and examples. */
export const errorMeanings: Readonly<Record<ErrorCode, string>> = {
  unauthenticated: 'Missing, malformed, unknown, revoked or expired credentials.',
  forbidden: 'The API key lacks the scope this operation needs.',
  not_found: 'No such resource here (also for another tenant’s ids).',
  conflict: 'The request conflicts with the resource’s current state.',
  slug_taken: 'Another tenant has that slug.',
  invalid_transition: 'The tenant’s status cannot change that way.',
  invalid_input: 'The input does not validate; `details` names the fields.',
  rate_limited: 'Too many requests; retry after the `Retry-After` seconds.',
  quota_exceeded:
    'A usage allowance of the plan is used up and its policy blocks; the message names it and when it resets (`Retry-After`).',
  limit_reached: 'A plan limit is reached.',
  feature_disabled: 'The tenant’s plan does not include the API.',
  tenant_suspended: 'The tenant is suspended.',
  unavailable: 'The service is not configured or temporarily unavailable.',
  internal: 'An unexpected error; it is logged with the request id.',
};

const exampleMessages: Readonly<Record<ErrorCode, string>> = {
  unauthenticated: 'Send an API key: Authorization: Bearer <key>.',
  forbidden: 'This API key lacks the documents:write scope.',
  not_found: 'Not found.',
  conflict: 'The request conflicts with the current state.',
  slug_taken: 'That address is taken.',
  invalid_transition: 'A tenant cannot go from archived to active.',
  invalid_input: 'Check the highlighted fields.',
  rate_limited: 'Too many requests. Try again later.',
  quota_exceeded:
    'This workspace has used its 10,000 calls (api calls per month). The allowance resets on 1 December 2026, 00:00 UTC; until then, ask an admin to upgrade the plan.',
  limit_reached: 'This workspace has reached its plan’s limit.',
  feature_disabled: 'The API is not part of this workspace’s plan.',
  tenant_suspended: 'This workspace is suspended.',
  unavailable: 'The platform API is not enabled: set PLATFORM_API_TOKEN.',
  internal: 'Something went wrong. Try again; if it keeps failing, contact support.',
};

const exampleDetails: Partial<Record<ErrorCode, Record<string, string[]>>> = {
  invalid_input: { name: ['Enter a name.'] },
  slug_taken: { slug: ['This address is taken. Choose another.'] },
  invalid_transition: { status: ['Not allowed from archived.'] },
};

/** The error codes an operation documents: its own plus those every operation of its API may answer. */
export function errorCodesOf(kind: ApiKind, operation: ApiOperation): ErrorCode[] {
  const common: ErrorCode[] =
    kind === 'tenant'
      ? [
          'unauthenticated',
          'not_found',
          'forbidden',
          'feature_disabled',
          'tenant_suspended',
          'rate_limited',
          'quota_exceeded',
          'unavailable',
          'internal',
        ]
      : ['unauthenticated', 'unavailable', 'internal'];
  const hasInput = Boolean(operation.params || operation.query || operation.body);
  const codes = new Set<ErrorCode>([
    ...common,
    ...(hasInput ? (['invalid_input'] as const) : []),
    ...operation.errors,
  ]);
  // A path parameter that names nothing answers 404, so every operation with one documents it.
  if (operation.params) codes.add('not_found');
  return [...codes].sort((a, b) => errorCodes[a] - errorCodes[b] || a.localeCompare(b));
}

/** The tenant API's rate-limit headers (IETF draft), on every answer once the limits are counted. */
const rateLimitHeaderObjects: Record<string, oas31.HeaderObject> = {
  'RateLimit-Limit': {
    description:
      'Requests allowed per minute in the tighter of the two windows (per API key, per workspace).',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in that window.',
    schema: { type: 'integer' },
  },
  'RateLimit-Reset': {
    description: 'Seconds until that window ends.',
    schema: { type: 'integer' },
  },
};

function errorResponses(kind: ApiKind, codes: ErrorCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(errorCodes[code], [...(byStatus.get(errorCodes[code]) ?? []), code]);
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, group] of byStatus) {
    const headers: Record<string, oas31.HeaderObject> = {};
    if (group.includes('unauthenticated'))
      headers['WWW-Authenticate'] = { description: '`Bearer`', schema: { type: 'string' } };
    if (
      group.includes('rate_limited') ||
      group.includes('quota_exceeded') ||
      (kind === 'tenant' && group.includes('unavailable'))
    )
      headers['Retry-After'] = { description: 'Seconds to wait.', schema: { type: 'integer' } };
    if (kind === 'tenant' && group.includes('rate_limited'))
      Object.assign(headers, rateLimitHeaderObjects);
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: group.map((code) => `\`${code}\`: ${errorMeanings[code]}`).join(' '),
      ...(Object.keys(headers).length ? { headers } : {}),
      content: {
        'application/json': {
          schema: apiErrorSchema,
          examples: Object.fromEntries(
            group.map((code) => [
              code,
              {
                summary: errorMeanings[code],
                value: {
                  error: {
                    code,
                    message: exampleMessages[code],
                    ...(exampleDetails[code] ? { details: exampleDetails[code] } : {}),
                  },
                },
              },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

/**
 * An example value for a schema: its own `.meta({ example })`, else one assembled from its parts'
 * examples (objects, arrays, wrappers), else a placeholder by type. Used where an operation gives
 * no example of its own, so every documented response shows one.
 */
export function exampleFromSchema(schema: z.ZodType): unknown {
  const meta = z.globalRegistry.get(schema);
  if (meta && 'example' in meta && meta.example !== undefined) return meta.example;
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const inner = (key: string) => exampleFromSchema(def[key] as z.ZodType);
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      const entries = Object.entries(shape)
        .map(([key, value]) => [key, exampleFromSchema(value)] as const)
        .filter(([, value]) => value !== undefined);
      return Object.fromEntries(entries);
    }
    case 'array':
      return [inner('element')].filter((value) => value !== undefined);
    case 'optional':
      return undefined;
    case 'nullable':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
    case 'prefault':
      return inner('innerType');
    case 'default':
      return def.defaultValue;
    case 'pipe':
      return inner('out');
    case 'union':
      return exampleFromSchema((def.options as z.ZodType[])[0]!);
    case 'enum':
      return Object.values(def.entries as Record<string, string>)[0];
    case 'literal':
      return (def.values as unknown[])[0];
    case 'record':
      return {};
    case 'string':
      return 'string';
    case 'number':
    case 'int':
      return 0;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

function exampleOf(success: ApiOperation['success']): unknown {
  if (success.example !== undefined) return success.example;
  return success.schema ? exampleFromSchema(success.schema) : undefined;
}

function scopeOf(operation: ApiOperation): ApiScope | undefined {
  return (operation as Partial<TenantOperation>).scope;
}

function operationObject(kind: ApiKind, operation: ApiOperation): ZodOpenApiOperationObject {
  const scope = scopeOf(operation);
  const description = [
    operation.description,
    scope ? `Requires an API key with the \`${scope}\` scope.` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  const { success } = operation;
  const successExample = exampleOf(success);
  const responses: ZodOpenApiResponsesObject = {
    [String(success.status)]: {
      description: success.description,
      ...(kind === 'tenant' ? { headers: rateLimitHeaderObjects } : {}),
      ...(success.schema
        ? {
            content: {
              'application/json': {
                schema: success.schema,
                ...(successExample !== undefined ? { example: successExample } : {}),
              },
            },
          }
        : {}),
    },
    ...errorResponses(kind, errorCodesOf(kind, operation)),
  };
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(description ? { description } : {}),
    tags: [operation.tag],
    security: kind === 'tenant' ? [{ apiKey: scope ? [scope] : [] }] : [{ platformToken: [] }],
    ...(scope ? { 'x-required-scope': scope } : {}),
    ...(operation.params || operation.query
      ? {
          requestParams: {
            ...(operation.params ? { path: operation.params } : {}),
            ...(operation.query ? { query: operation.query } : {}),
          },
        }
      : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: operation.body,
                ...(operation.bodyExample !== undefined ? { example: operation.bodyExample } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

const descriptions: Readonly<Record<ApiKind, { title: string; description: string }>> = {
  tenant: {
    title: 'Tenantry tenant API',
    description: [
      'The REST API of one workspace, on its own host: `https://<slug>.<root domain>/api/v1`.',
      '**Authentication**: `Authorization: Bearer <API key>`. Keys are created in the workspace’s settings (or by the platform API), ' +
        'belong to that workspace only, carry scopes, and are shown once. Each operation names the scope it needs ' +
        '(`x-required-scope`, and the scopes of its security requirement). The workspace’s plan must include API access.',
      '**Errors**: every error is JSON `{"error": {"code", "message", "details?"}}` with a stable snake_case `code`; ' +
        '400 carries field errors in `details`. Another workspace’s ids answer 404.',
      '**Rate limits**: requests are counted per API key and per workspace, each per minute, from the plan ' +
        '(`api_requests_per_minute_per_key`, `api_requests_per_minute`). Answers carry `RateLimit-Limit`, ' +
        '`RateLimit-Remaining` and `RateLimit-Reset` (seconds) for the tighter window; over a limit the answer is ' +
        '429 `rate_limited` with `Retry-After`. If the limit store is down and the deployment fails closed: 503 ' +
        '`unavailable` with `Retry-After`.',
      '**Usage allowances**: every answer to an authenticated key counts one API call, its server time and its ' +
        'response bytes. When a monthly allowance of the plan is used up and its overage policy is `block`, requests ' +
        'are refused with 402 `quota_exceeded`, a message naming the allowance and its reset, and `Retry-After` ' +
        '(seconds until the next month, UTC).',
      '**Pagination**: lists answer `{data, nextCursor}`; pass `nextCursor` back as `cursor` until it is null.',
    ].join('\n\n'),
  },
  platform: {
    title: 'Tenantry platform API',
    description: [
      'Provisioning and managing tenants, on the root domain only: `/api/platform/v1`.',
      '**Authentication**: `Authorization: Bearer <PLATFORM_API_TOKEN>`. Without the variable configured the API answers 503.',
      '**Errors**: every error is JSON `{"error": {"code", "message", "details?"}}` with a stable snake_case `code`; ' +
        '400 carries field errors in `details`.',
      '**Pagination**: lists answer `{data, nextCursor}`; pass `nextCursor` back as `cursor` (same filters) until it is null.',
    ].join('\n\n'),
  },
};

export type BuildOptions = { rootDomain: string };

/** An OpenAPI 3.1.0 document for one API from its operations. */
export function buildOpenApiDocument(
  kind: ApiKind,
  operations: readonly ApiOperation[],
  options: BuildOptions,
): OpenApiDocument {
  const protocol = protocolFor(options.rootDomain);
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    const item = (paths[operation.path] ??= {});
    if (item[operation.method])
      throw new Error(`Two operations for ${operation.method.toUpperCase()} ${operation.path}`);
    item[operation.method] = operationObject(kind, operation);
  }
  const tags = [...new Set(operations.map((operation) => operation.tag))].map((name) => ({ name }));
  const server: oas31.ServerObject =
    kind === 'tenant'
      ? {
          url: `${tenantOrigin(`{${TENANT_SERVER_VARIABLE}}`, options.rootDomain, protocol)}${API_BASE_PATHS.tenant}`,
          description: 'A workspace’s own host',
          variables: {
            [TENANT_SERVER_VARIABLE]: {
              default: 'acme',
              description: 'The workspace’s slug (its subdomain).',
            },
          },
        }
      : {
          url: `${rootOrigin(options.rootDomain, protocol)}${API_BASE_PATHS.platform}`,
          description: 'The root domain',
        };
  const securitySchemes: Record<string, oas31.SecuritySchemeObject> =
    kind === 'tenant'
      ? {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'tnry_<43 characters>',
            description:
              `A workspace API key. Scopes: ${apiScopes.map((scope) => `\`${scope}\``).join(', ')}; ` +
              'each operation requires one (see `x-required-scope`).',
          },
        }
      : {
          platformToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The platform token configured in PLATFORM_API_TOKEN.',
          },
        };
  return createDocument({
    openapi: '3.1.0',
    info: { ...descriptions[kind], version: '1.0.0' },
    servers: [server],
    tags,
    security: [kind === 'tenant' ? { apiKey: [] } : { platformToken: [] }],
    paths,
    components: { securitySchemes, schemas: { Error: apiErrorSchema } },
  });
}

export const apiOperations: Readonly<Record<ApiKind, readonly ApiOperation[]>> = {
  tenant: tenantV1Operations,
  platform: [...platformV1Operations, ...platformJobOperations],
};

const cache = new Map<ApiKind, OpenApiDocument>();

/** The API's document, built on first use and kept for the life of the process. */
export function openApiDocument(kind: ApiKind): OpenApiDocument {
  let document = cache.get(kind);
  if (!document) {
    document = buildOpenApiDocument(kind, apiOperations[kind], { rootDomain: env().ROOT_DOMAIN });
    cache.set(kind, document);
  }
  return document;
}

// ——— The reference page's view of a document ———

export type ReferenceField = {
  name: string;
  location: string;
  required: boolean;
  type: string;
  description?: string;
};
export type ReferenceError = { status: number; code: string; meaning: string };
export type ReferenceOperation = {
  operationId: string;
  method: string;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  scope?: string;
  parameters: ReferenceField[];
  bodyFields: ReferenceField[];
  requestExample?: unknown;
  success: { status: number; description: string; example?: unknown };
  errors: ReferenceError[];
};
export type ApiReference = {
  kind: ApiKind;
  title: string;
  description: string;
  serverUrl: string;
  operations: ReferenceOperation[];
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A short human label for a JSON schema: `string (uuid)`, `"a" | "b"`, `array of Tenant`. */
export function typeLabel(schema: unknown): string {
  if (!isObject(schema)) return 'any';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? 'object';
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(typeLabel).join(' or ');
  if (schema.type === 'array') return `array of ${typeLabel(schema.items)}`;
  if (schema.type === 'object' && !isObject(schema.properties) && schema.additionalProperties) {
    return `map of ${typeLabel(schema.additionalProperties)}`;
  }
  if (typeof schema.type === 'string')
    return typeof schema.format === 'string' ? `${schema.type} (${schema.format})` : schema.type;
  return 'any';
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function fieldsOf(schema: unknown): ReferenceField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    location: 'body',
    required: required.has(name),
    type: typeLabel(property),
    description:
      isObject(property) && typeof property.description === 'string'
        ? property.description
        : undefined,
  }));
}

/** What /docs/api renders for one API, read from its OpenAPI document (so the page shows what the JSON says). */
export function apiReference(
  kind: ApiKind,
  document: OpenApiDocument = openApiDocument(kind),
): ApiReference {
  const operations: ReferenceOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Json)[method] as Json | undefined;
      if (!operation) continue;
      const parameters = ((operation.parameters as Json[] | undefined) ?? []).map((parameter) => ({
        name: String(parameter.name),
        location: String(parameter.in),
        required: parameter.required === true,
        type: typeLabel(parameter.schema),
        description: typeof parameter.description === 'string' ? parameter.description : undefined,
      }));
      const body = (
        isObject(operation.requestBody) && isObject(operation.requestBody.content)
          ? operation.requestBody.content['application/json']
          : undefined
      ) as Json | undefined;
      const responses = Object.entries((operation.responses as Record<string, Json>) ?? {});
      const [successStatus, success] = responses.find(([status]) => status.startsWith('2')) ?? [
        '200',
        { description: '' },
      ];
      const successContent = isObject(success.content)
        ? (success.content['application/json'] as Json | undefined)
        : undefined;
      const errors = responses
        .filter(([status]) => !status.startsWith('2'))
        .flatMap(([status, response]) => {
          const content = isObject(response.content)
            ? (response.content['application/json'] as Json | undefined)
            : undefined;
          const examples = isObject(content?.examples) ? content.examples : {};
          return Object.entries(examples).map(([code, example]) => ({
            status: Number(status),
            code,
            meaning:
              isObject(example) && typeof example.summary === 'string' ? example.summary : '',
          }));
        });
      operations.push({
        operationId: String(operation.operationId),
        method: method.toUpperCase(),
        path,
        tag: Array.isArray(operation.tags) ? String(operation.tags[0]) : '',
        summary: String(operation.summary ?? ''),
        description: typeof operation.description === 'string' ? operation.description : undefined,
        scope:
          typeof operation['x-required-scope'] === 'string'
            ? operation['x-required-scope']
            : undefined,
        parameters,
        bodyFields: fieldsOf(body?.schema),
        requestExample: body?.example,
        success: {
          status: Number(successStatus),
          description: String(success.description ?? ''),
          example: successContent?.example,
        },
        errors,
      });
    }
  }
  const server = document.servers?.[0];
  return {
    kind,
    title: document.info.title,
    description: document.info.description ?? '',
    serverUrl: server?.url ?? '',
    operations,
  };
}

/** The tenant document as served on one tenant's host: the server variable defaults to that tenant. */
export function openApiDocumentForTenant(slug: string): OpenApiDocument {
  const document = openApiDocument('tenant');
  return {
    ...document,
    servers: document.servers?.map((server) => ({
      ...server,
      variables: {
        ...server.variables,
        [TENANT_SERVER_VARIABLE]: { ...server.variables?.[TENANT_SERVER_VARIABLE], default: slug },
      },
    })),
  };
}
