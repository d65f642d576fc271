import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineOperation } from './contract';
import {
  apiReference,
  buildOpenApiDocument,
  errorCodesOf,
  exampleFromSchema,
  typeLabel,
} from './openapi';

const widget = z
  .object({ id: z.uuid(), label: z.string() })
  .meta({ example: { id: '6f1c2a9e-3b7d-4c1e-9a52-2f0d8e4b7c11', label: 'Blue' } });

const listWidgets = defineOperation({
  method: 'get',
  path: '/widgets',
  operationId: 'listWidgets',
  summary: 'List widgets',
  tag: 'Widgets',
  success: { status: 200, description: 'Widgets.', schema: z.object({ data: z.array(widget) }) },
  errors: ['rate_limited'],
});

const deleteWidget = defineOperation({
  method: 'delete',
  path: '/widgets/{id}',
  operationId: 'deleteWidget',
  summary: 'Delete a widget',
  tag: 'Widgets',
  params: z.object({ id: z.uuid() }),
  success: { status: 204, description: 'Deleted.' },
  errors: [],
});

describe('exampleFromSchema', () => {
  it('prefers a schema’s own example and assembles the rest from parts', () => {
    const schema = z.object({
      widget,
      tags: z.array(z.enum(['a', 'b'])),
      count: z.number().int(),
      on: z.boolean(),
      kind: z.literal('fixed'),
      either: z.union([z.string(), z.number()]),
      maybe: z.string().nullable(),
      absent: z.string().optional(),
      defaulted: z.number().default(3),
      piped: z.string().pipe(z.string().min(1)),
      map: z.record(z.string(), z.string()),
      nothing: z.null(),
      when: z.date(),
    });
    expect(exampleFromSchema(schema)).toEqual({
      widget: { id: '6f1c2a9e-3b7d-4c1e-9a52-2f0d8e4b7c11', label: 'Blue' },
      tags: ['a'],
      count: 0,
      on: true,
      kind: 'fixed',
      either: 'string',
      maybe: 'string',
      defaulted: 3,
      piped: 'string',
      map: {},
      nothing: null,
    });
  });
});

describe('typeLabel', () => {
  it('names JSON schemas briefly', () => {
    expect(typeLabel({ $ref: '#/components/schemas/Tenant' })).toBe('Tenant');
    expect(typeLabel({ type: 'string', enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(typeLabel({ anyOf: [{ type: 'integer' }, { type: 'null' }] })).toBe('integer or null');
    expect(typeLabel({ type: 'array', items: { type: 'string', format: 'uuid' } })).toBe(
      'array of string (uuid)',
    );
    expect(typeLabel({ type: 'object', additionalProperties: { type: 'boolean' } })).toBe(
      'map of boolean',
    );
    expect(typeLabel({ type: 'object', properties: {} })).toBe('object');
    expect(typeLabel({})).toBe('any');
    expect(typeLabel(undefined)).toBe('any');
  });
});

describe('buildOpenApiDocument', () => {
  it('documents errors, headers, no-body successes and an https server for a real domain', () => {
    const document = buildOpenApiDocument('platform', [listWidgets, deleteWidget], {
      rootDomain: 'example.com',
    });
    expect(document.servers?.[0]?.url).toBe('https://example.com/api/platform/v1');
    const list = document.paths?.['/widgets']?.get;
    expect(Object.keys(list?.responses ?? {}).sort()).toEqual(['200', '401', '429', '500', '503']);
    expect(list?.responses?.['429']).toMatchObject({
      headers: { 'Retry-After': expect.any(Object) },
    });
    expect(list?.responses?.['401']).toMatchObject({
      headers: { 'WWW-Authenticate': expect.any(Object) },
    });
    // No example was given: one is assembled from the schema's parts.
    expect(list?.responses?.['200']).toMatchObject({
      content: {
        'application/json': { example: { data: [{ id: expect.any(String), label: 'Blue' }] } },
      },
    });
    const remove = document.paths?.['/widgets/{id}']?.delete;
    expect(remove?.responses?.['204']).toEqual({ description: 'Deleted.' });
    expect(Object.keys(remove?.responses ?? {})).toEqual(expect.arrayContaining(['400', '404']));

    const reference = apiReference('platform', document);
    expect(reference.serverUrl).toBe('https://example.com/api/platform/v1');
    expect(
      reference.operations.find((operation) => operation.operationId === 'deleteWidget'),
    ).toMatchObject({
      method: 'DELETE',
      success: { status: 204, example: undefined },
      parameters: [{ name: 'id', location: 'path', required: true }],
    });
  });

  it('lists the tenant API’s common errors and rate-limit headers, and refuses two operations on one method and path', () => {
    expect(errorCodesOf('tenant', listWidgets)).toEqual([
      'unauthenticated',
      'quota_exceeded',
      'feature_disabled',
      'forbidden',
      'tenant_suspended',
      'not_found',
      'rate_limited',
      'internal',
      'unavailable',
    ]);
    const tenant = buildOpenApiDocument('tenant', [listWidgets], { rootDomain: 'example.com' });
    const list = tenant.paths?.['/widgets']?.get;
    const rateLimit = {
      'RateLimit-Limit': expect.any(Object),
      'RateLimit-Remaining': expect.any(Object),
      'RateLimit-Reset': expect.any(Object),
    };
    expect(list?.responses?.['200']).toMatchObject({ headers: rateLimit });
    expect(list?.responses?.['429']).toMatchObject({
      headers: { 'Retry-After': expect.any(Object), ...rateLimit },
    });
    expect(list?.responses?.['503']).toMatchObject({
      headers: { 'Retry-After': expect.any(Object) },
    });
    expect(list?.responses?.['402']).toMatchObject({
      headers: { 'Retry-After': expect.any(Object) },
    });
    expect(() =>
      buildOpenApiDocument('tenant', [listWidgets, listWidgets], { rootDomain: 'localhost:3000' }),
    ).toThrow(/Two operations for GET \/widgets/);
  });
});
