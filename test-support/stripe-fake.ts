import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small local fake of the Stripe API endpoints Tenantry calls, for tests: the real Stripe SDK
 * talks to it through its host, port and protocol options. It keeps objects in memory and
 * answers in Stripe's shapes (ids, `object`, list envelopes, `resource_missing` errors), and
 * records every request so tests can count calls.
 */
export type StripeFake = {
  url: string;
  port: number;
  requests: { method: string; path: string; body: Record<string, unknown> }[];
  objects: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
};

/** `a[b][0]=x&c=y` → { a: { b: ['x'] }, c: 'y' } (Stripe's form encoding). */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((part, index) => {
      const last = index === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[index + 1]!);
      const key = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) container[key] = value;
      else {
        container[key] ??= nextIsIndex ? [] : {};
        node = container[key] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

let sequence = 0;
const newId = (prefix: string) => `${prefix}_fake${(++sequence).toString().padStart(8, '0')}`;

export async function startStripeFake(): Promise<StripeFake> {
  const objects = new Map<string, Record<string, unknown>>();
  const requests: StripeFake['requests'] = [];
  const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });
  const missing = (id: string) => ({
    status: 404,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such object: '${id}'`,
      },
    },
  });
  const ofType = (type: string) => [...objects.values()].filter((object) => object.object === type);

  function handle(method: string, url: URL, body: Record<string, unknown>) {
    const path = url.pathname;
    let match: RegExpMatchArray | null;
    if ((match = path.match(/^\/v1\/products\/([^/]+)$/))) {
      const product = objects.get(match[1]!);
      if (!product || product.object !== 'product') return missing(match[1]!);
      if (method === 'POST') Object.assign(product, body, { updated: Date.now() });
      return { status: 200, body: product };
    }
    if (path === '/v1/products' && method === 'POST') {
      const id = (body.id as string | undefined) ?? newId('prod');
      if (objects.has(id))
        return {
          status: 400,
          body: { error: { type: 'invalid_request_error', code: 'resource_already_exists' } },
        };
      const product = { object: 'product', active: true, metadata: {}, ...body, id };
      objects.set(id, product);
      return { status: 200, body: product };
    }
    if (path === '/v1/prices' && method === 'GET') {
      const query = parseStripeForm(url.search.slice(1));
      const keys = (query.lookup_keys as string[] | undefined) ?? [];
      const prices = ofType('price').filter(
        (price) =>
          price.active !== false && (!keys.length || keys.includes(price.lookup_key as string)),
      );
      return { status: 200, body: list(prices, '/v1/prices') };
    }
    if (path === '/v1/prices' && method === 'POST') {
      const { transfer_lookup_key: transfer, ...fields } = body;
      if (fields.lookup_key) {
        const holder = ofType('price').find((price) => price.lookup_key === fields.lookup_key);
        if (holder && transfer !== 'true')
          return {
            status: 400,
            body: { error: { type: 'invalid_request_error', message: 'lookup_key in use' } },
          };
        if (holder) holder.lookup_key = null;
      }
      const id = newId('price');
      const price = {
        object: 'price',
        active: true,
        ...fields,
        id,
        unit_amount: fields.unit_amount === undefined ? null : Number(fields.unit_amount),
      };
      objects.set(id, price);
      return { status: 200, body: price };
    }
    if (path === '/v1/billing/meters' && method === 'GET')
      return { status: 200, body: list(ofType('billing.meter'), '/v1/billing/meters') };
    if (path === '/v1/billing/meters' && method === 'POST') {
      const id = newId('mtr');
      const meter = { object: 'billing.meter', status: 'active', ...body, id };
      objects.set(id, meter);
      return { status: 200, body: meter };
    }
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${path})`,
        },
      },
    };
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://stripe.fake');
      const body = parseStripeForm(Buffer.concat(chunks).toString('utf8'));
      requests.push({ method: request.method ?? 'GET', path: url.pathname, body });
      const answer = handle(request.method ?? 'GET', url, body);
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': newId('req'),
      });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    objects,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
