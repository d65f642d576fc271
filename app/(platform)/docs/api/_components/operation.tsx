import { Fragment, type ReactNode } from 'react';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import type { ReferenceField, ReferenceOperation } from '@/lib/api';

const methodTones: Record<string, BadgeTone> = {
  GET: 'info',
  POST: 'success',
  PUT: 'warning',
  PATCH: 'warning',
  DELETE: 'danger',
};

/** The documents' descriptions use a little Markdown: paragraphs, `code` and **bold**. */
export function RichText({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className}>
      {text.split(/\n{2,}/).map((paragraph, index) => (
        <p key={index} className="mt-2 first:mt-0">
          {inline(paragraph)}
        </p>
      ))}
    </div>
  );
}

function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((part, index) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) {
      return (
        <code key={index} className="rounded bg-slate-100 px-1 py-0.5 text-[0.85em]">
          {part.slice(1, -1)}
        </code>
      );
    }
    if (part.startsWith('**') && part.endsWith('**') && part.length > 3)
      return <strong key={index}>{part.slice(2, -2)}</strong>;
    return <Fragment key={index}>{part}</Fragment>;
  });
}

export function JsonExample({ label, value }: { label: string; value: unknown }) {
  return (
    <figure className="mt-2">
      <figcaption className="sr-only">{label}</figcaption>
      <pre
        tabIndex={0}
        aria-label={label}
        className="max-h-96 overflow-auto rounded-lg bg-slate-900 p-4 text-xs leading-relaxed text-slate-100"
      >
        <code>{JSON.stringify(value, null, 2)}</code>
      </pre>
    </figure>
  );
}

function FieldTable({
  caption,
  fields,
  showLocation,
}: {
  caption: string;
  fields: ReferenceField[];
  showLocation?: boolean;
}) {
  return (
    <Table caption={caption} className="mt-2">
      <TableHead>
        <tr>
          <Th>Name</Th>
          {showLocation ? <Th>In</Th> : null}
          <Th>Type</Th>
          <Th>Required</Th>
          <Th>Description</Th>
        </tr>
      </TableHead>
      <tbody>
        {fields.map((field) => (
          <Tr key={`${field.location}-${field.name}`}>
            <Td>
              <code>{field.name}</code>
            </Td>
            {showLocation ? <Td>{field.location}</Td> : null}
            <Td className="break-words">
              <code className="text-xs">{field.type}</code>
            </Td>
            <Td>{field.required ? 'yes' : 'no'}</Td>
            <Td>
              {field.description ? (
                <RichText text={field.description} />
              ) : (
                <span className="text-slate-400">—</span>
              )}
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}

export function OperationReference({
  anchor,
  operation,
}: {
  anchor: string;
  operation: ReferenceOperation;
}) {
  const headingId = `${anchor}-heading`;
  return (
    <article
      id={anchor}
      aria-labelledby={headingId}
      className="scroll-mt-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200"
    >
      <h3 id={headingId} className="flex flex-wrap items-center gap-3 text-lg font-semibold">
        <Badge tone={methodTones[operation.method] ?? 'neutral'} className="font-mono">
          {operation.method}
        </Badge>
        <code className="font-mono text-base">{operation.path}</code>
        <span className="text-slate-600">— {operation.summary}</span>
      </h3>
      {operation.description ? (
        <RichText text={operation.description} className="mt-3 text-sm text-slate-700" />
      ) : null}
      <dl className="mt-4 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-600">Operation id</dt>
        <dd>
          <code>{operation.operationId}</code>
        </dd>
        {operation.scope ? (
          <>
            <dt className="font-medium text-slate-600">Required scope</dt>
            <dd>
              <code>{operation.scope}</code>
            </dd>
          </>
        ) : null}
      </dl>

      {operation.parameters.length > 0 ? (
        <section className="mt-5">
          <h4 className="text-sm font-semibold">Parameters</h4>
          <FieldTable
            caption={`Parameters of ${operation.method} ${operation.path}`}
            fields={operation.parameters}
            showLocation
          />
        </section>
      ) : null}

      {operation.bodyFields.length > 0 ? (
        <section className="mt-5">
          <h4 className="text-sm font-semibold">Request body (JSON)</h4>
          <FieldTable
            caption={`Request body fields of ${operation.method} ${operation.path}`}
            fields={operation.bodyFields}
          />
          {operation.requestExample !== undefined ? (
            <JsonExample
              label={`Example request body of ${operation.method} ${operation.path}`}
              value={operation.requestExample}
            />
          ) : null}
        </section>
      ) : null}

      <section className="mt-5">
        <h4 className="text-sm font-semibold">
          Response <span className="font-mono">{operation.success.status}</span>
          <span className="font-normal text-slate-600"> — {operation.success.description}</span>
        </h4>
        {operation.success.example !== undefined ? (
          <JsonExample
            label={`Example response of ${operation.method} ${operation.path}`}
            value={operation.success.example}
          />
        ) : (
          <p className="mt-1 text-sm text-slate-600">No body.</p>
        )}
      </section>

      <section className="mt-5">
        <h4 className="text-sm font-semibold">Errors</h4>
        <Table caption={`Errors of ${operation.method} ${operation.path}`} className="mt-2">
          <TableHead>
            <tr>
              <Th>Status</Th>
              <Th>Code</Th>
              <Th>Meaning</Th>
            </tr>
          </TableHead>
          <tbody>
            {operation.errors.map((error) => (
              <Tr key={error.code}>
                <Td className="font-mono">{error.status}</Td>
                <Td>
                  <code>{error.code}</code>
                </Td>
                <Td>
                  <RichText text={error.meaning} />
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      </section>
    </article>
  );
}
