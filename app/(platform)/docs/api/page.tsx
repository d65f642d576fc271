import type { Metadata } from 'next';
import Link from 'next/link';
import { apiReference, type ApiReference } from '@/lib/api';
import { env } from '@/lib/env';
import { protocolFor, tenantOrigin } from '@/lib/host';
import { OperationReference, RichText } from './_components/operation';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'API reference' };

const anchorOf = (reference: ApiReference, operationId: string) =>
  `${reference.kind}-${operationId}`;

export default function ApiReferencePage() {
  const { ROOT_DOMAIN } = env();
  const tenantDocumentUrl = `${tenantOrigin('<slug>', ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}/api/v1/openapi.json`;
  const apis = [
    { reference: apiReference('tenant'), json: <code>{tenantDocumentUrl}</code> },
    {
      reference: apiReference('platform'),
      json: (
        <a className="font-medium text-indigo-700 underline" href="/api/platform/v1/openapi.json">
          /api/platform/v1/openapi.json
        </a>
      ),
    },
  ];

  return (
    <main className="mx-auto max-w-5xl px-6 py-12">
      <p className="text-sm">
        <Link
          href="/"
          className="font-semibold tracking-wide text-indigo-600 uppercase hover:underline"
        >
          Tenantry
        </Link>
      </p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">API reference</h1>
      <p className="mt-3 max-w-3xl text-slate-600">
        Two REST APIs speak JSON. The <strong>tenant API</strong> runs on each workspace’s own host
        and takes that workspace’s API keys; the <strong>platform API</strong> runs on the root
        domain and takes the platform token. Every error has the same shape:{' '}
        <code>{'{"error": {"code", "message", "details?"}}'}</code>. This page is generated from the
        same OpenAPI 3.1 documents the JSON links below serve.
      </p>

      <nav
        aria-labelledby="toc-heading"
        className="mt-8 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200"
      >
        <h2 id="toc-heading" className="text-sm font-semibold text-slate-700">
          On this page
        </h2>
        <div className="mt-3 grid gap-6 sm:grid-cols-2">
          {apis.map(({ reference }) => (
            <div key={reference.kind}>
              <a
                href={`#${reference.kind}-api`}
                className="font-medium text-indigo-700 hover:underline"
              >
                {reference.title}
              </a>
              <ul className="mt-2 space-y-1 text-sm">
                {reference.operations.map((operation) => (
                  <li key={operation.operationId}>
                    <a
                      href={`#${anchorOf(reference, operation.operationId)}`}
                      className="hover:underline"
                    >
                      <span className="inline-block w-14 font-mono text-xs text-slate-500">
                        {operation.method}
                      </span>
                      <code>{operation.path}</code>{' '}
                      <span className="text-slate-600">— {operation.summary}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      </nav>

      {apis.map(({ reference, json }) => (
        <section key={reference.kind} aria-labelledby={`${reference.kind}-api`} className="mt-12">
          <h2 id={`${reference.kind}-api`} className="scroll-mt-6 text-2xl font-semibold">
            {reference.title}
          </h2>
          <RichText
            text={reference.description}
            className="mt-3 max-w-3xl text-sm text-slate-700"
          />
          <dl className="mt-4 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
            <dt className="font-medium text-slate-600">Base URL</dt>
            <dd>
              <code>{reference.serverUrl}</code>
            </dd>
            <dt className="font-medium text-slate-600">OpenAPI document</dt>
            <dd>{json}</dd>
          </dl>
          <div className="mt-6 space-y-6">
            {reference.operations.map((operation) => (
              <OperationReference
                key={operation.operationId}
                anchor={anchorOf(reference, operation.operationId)}
                operation={operation}
              />
            ))}
          </div>
        </section>
      ))}
    </main>
  );
}
