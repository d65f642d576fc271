import { neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from './client';

/**
 * Data in transit, Neon: without NEON_WS_PROXY the driver must reach Neon over a secure
 * WebSocket (`wss:`), the TLS that carries the Postgres protocol. No network here: `ws` is
 * replaced by a fake that records the address it is asked to open and then fails.
 */
const opened = vi.hoisted(() => [] as string[]);

vi.mock('ws', () => {
  class RecordingWebSocket extends EventTarget {
    binaryType = 'arraybuffer';
    constructor(readonly url: string) {
      super();
      opened.push(url);
      setTimeout(() => this.dispatchEvent(new Event('error')), 0);
    }
    send(): void {}
    close(): void {}
  }
  return { default: RecordingWebSocket, WebSocket: RecordingWebSocket };
});

afterEach(() => {
  opened.length = 0;
});

describe('Neon driver without NEON_WS_PROXY (production)', () => {
  it('opens a secure WebSocket (wss:) to the database host, and nothing in plain text', async () => {
    const handle = await openDatabase({
      driver: 'neon',
      url: 'postgres://app:secret@ep-quiet-tls-123456.eu-central-1.aws.neon.tech/neondb',
    });
    try {
      await expect(handle.db.execute(sql`select 1`)).rejects.toBeDefined();
    } finally {
      await handle.close();
    }
    expect(opened).toEqual(['wss://ep-quiet-tls-123456.eu-central-1.aws.neon.tech/v2']);
    expect(neonConfig.useSecureWebSocket).toBe(true);
    // TLS is the WebSocket's: the driver does not add a second TLS layer inside it.
    expect(neonConfig.forceDisablePgSSL).toBe(true);
  });
});
