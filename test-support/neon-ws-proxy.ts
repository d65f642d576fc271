import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

/**
 * Neon's serverless driver speaks Postgres over WebSocket. This bridges it to a local
 * PostgreSQL over TCP so the production driver runs in tests. Only the allowed targets
 * may be reached: it is not an open proxy.
 */
export async function startNeonWsProxy(
  options: { port?: number; allowedTargets?: string[] } = {},
): Promise<{ address: string; close(): Promise<void> }> {
  const allowed = new Set(options.allowedTargets ?? ['127.0.0.1:5432', 'localhost:5432']);
  const server = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0 });
  server.on('connection', (socket, request) => {
    const target = new URL(request.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    const [host, port] = target.split(':');
    if (!allowed.has(target) || !host || !port) {
      socket.close(1008, 'target not allowed');
      return;
    }
    const tcp = net.connect({
      host: host === 'localhost' ? '127.0.0.1' : host,
      port: Number(port),
    });
    tcp.on('data', (chunk) => socket.send(chunk));
    tcp.on('close', () => socket.close());
    tcp.on('error', () => socket.close());
    socket.on('message', (data: Buffer) => tcp.write(data));
    socket.on('close', () => tcp.destroy());
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

// `npm run neon:proxy`: serve it for local development (DATABASE_DRIVER=neon, NEON_WS_PROXY).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({ options: { port: { type: 'string', default: '8081' } } });
  void startNeonWsProxy({ port: Number(args.port) }).then((proxy) => {
    console.log(`Neon WebSocket proxy listening on ${proxy.address} (to 127.0.0.1:5432)`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => void proxy.close().then(() => process.exit(0)));
  });
}
