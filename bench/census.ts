/**
 * Counts what one operation sends to the database, by wrapping the drivers' own entry points
 * for the duration of a single call (never while timing):
 *
 * - node-postgres and Neon's Pool: every Client#query is one request/response exchange
 *   (one network round trip unless the client pipelines);
 * - PGlite: every protocol message handed to the WebAssembly backend (`execProtocolStream`);
 *   a statement is a simple Query ('Q') or an extended-protocol Parse ('P') — the latter is
 *   followed by Describe, Bind, Describe, Execute, Sync, each its own crossing.
 */
import type { PGlite } from '@electric-sql/pglite';
import { Client as NeonClient } from '@neondatabase/serverless';
import pg from 'pg';

export type Census = { statements: string[]; values: unknown[][]; crossings: number };

type QueryFn = (this: unknown, ...args: unknown[]) => unknown;

export async function takeCensus(
  pglite: PGlite | undefined,
  operation: () => Promise<unknown>,
): Promise<Census> {
  const census: Census = { statements: [], values: [], crossings: 0 };
  const restore: Array<() => void> = [];

  for (const proto of [pg.Client.prototype, NeonClient.prototype] as unknown as Array<{
    query: QueryFn;
  }>) {
    const hadOwn = Object.prototype.hasOwnProperty.call(proto, 'query');
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const [config, values] = args;
      const text =
        typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
      if (text !== undefined) {
        census.crossings += 1;
        census.statements.push(text);
        census.values.push(
          Array.isArray(values) ? values : ((config as { values?: unknown[] }).values ?? []),
        );
      }
      return original.apply(this, args);
    };
    restore.push(() => {
      if (hadOwn) proto.query = original;
      else delete (proto as { query?: QueryFn }).query;
    });
  }

  if (pglite) {
    const instance = pglite as unknown as {
      execProtocolStream: (message: Uint8Array, options?: unknown) => unknown;
    };
    const original = instance.execProtocolStream;
    instance.execProtocolStream = function (this: unknown, message: Uint8Array, options?: unknown) {
      census.crossings += 1;
      const text = statementText(message);
      if (text !== undefined) {
        census.statements.push(text);
        census.values.push([]);
      } else if (message[0] === 0x42 /* 'B' */ && census.values.length > 0) {
        census.values[census.values.length - 1] = bindValues(message);
      }
      return original.call(this, message, options);
    };
    restore.push(() => {
      delete (instance as { execProtocolStream?: unknown }).execProtocolStream;
      if (instance.execProtocolStream !== original) instance.execProtocolStream = original;
    });
  }

  try {
    await operation();
  } finally {
    for (const undo of restore.reverse()) undo();
  }
  return census;
}

/** The SQL of a Query ('Q') or Parse ('P') message; undefined for every other message. */
function statementText(message: Uint8Array): string | undefined {
  const type = String.fromCharCode(message[0] ?? 0);
  if (type !== 'Q' && type !== 'P') return undefined;
  let offset = 5; // type byte + int32 length
  if (type === 'P') offset = message.indexOf(0, offset) + 1; // skip the statement name
  const end = message.indexOf(0, offset);
  return new TextDecoder().decode(message.subarray(offset, end < 0 ? undefined : end));
}

/** The text-format parameter values of a Bind ('B') message. */
function bindValues(message: Uint8Array): unknown[] {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let offset = 5;
  offset = message.indexOf(0, offset) + 1; // portal name
  offset = message.indexOf(0, offset) + 1; // statement name
  const formats = view.getInt16(offset);
  offset += 2 + 2 * formats;
  const count = view.getInt16(offset);
  offset += 2;
  const values: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    const length = view.getInt32(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    values.push(new TextDecoder().decode(message.subarray(offset, offset + length)));
    offset += length;
  }
  return values;
}

/** `select set_config(...)` → a short label for printing. */
export function shortStatement(text: string, width = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
