// Serves Upstash's REST protocol over a real Redis, so @upstash/redis and @upstash/ratelimit
// run unchanged in tests, CI and local dev. Standalone: tsx test-support/upstash-rest-bridge.ts --port 8079 --token dev
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

type Command = [string, ...unknown[]];
type Reply = { result: unknown } | { error: string };

const toArg = (value: unknown) => (typeof value === 'number' ? value : String(value));
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
// Redis 7.0 rejects @upstash/ratelimit's `#!lua flags=allow-key-locking` shebang; the flag is only an optimisation.
const stripShebang = (script: string) => script.replace(/^#!lua[^\n]*\n/, '');
const base64 = (value: unknown): unknown =>
  typeof value === 'string'
    ? Buffer.from(value).toString('base64')
    : Array.isArray(value)
      ? value.map(base64)
      : value;

export async function startUpstashBridge(options: {
  redisUrl?: string;
  token: string;
  port?: number;
}) {
  const { redisUrl = 'redis://127.0.0.1:6379', token, port = 0 } = options;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const loaded = new Map<string, string>(); // the client's SHA of an original script → SHA of the stripped one Redis knows

  const learn = (script: string) => {
    const stripped = stripShebang(script);
    loaded.set(sha1(script), sha1(stripped));
    return stripped;
  };
  // Unknown SHAs go through untouched, so Redis answers NOSCRIPT and the client falls back to EVAL.
  const rewrite = ([name, ...args]: Command): Command => {
    const cmd = name.toUpperCase();
    if (cmd === 'EVAL' || cmd === 'EVAL_RO') return [cmd, learn(String(args[0])), ...args.slice(1)];
    if (cmd === 'EVALSHA' || cmd === 'EVALSHA_RO')
      return [cmd, loaded.get(String(args[0])) ?? args[0], ...args.slice(1)];
    return [cmd, ...args];
  };
  const call = async (command: Command): Promise<Reply> => {
    const [cmd, ...args] = command;
    try {
      if (cmd.toUpperCase() === 'SCRIPT' && String(args[0]).toUpperCase() === 'LOAD') {
        await redis.call('SCRIPT', 'LOAD', learn(String(args[1])));
        return { result: sha1(String(args[1])) }; // the SHA the client computed itself
      }
      const [name, ...rest] = rewrite(command);
      return { result: await redis.call(name, ...rest.map(toArg)) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  const multiExec = async (commands: Command[]): Promise<Reply[]> => {
    const multi = redis.multi();
    for (const [name, ...args] of commands.map(rewrite)) multi.call(name, ...args.map(toArg));
    const replies = (await multi.exec()) ?? [];
    return replies.map(([error, result]) => (error ? { error: error.message } : { result }));
  };

  const handle = async (req: http.IncomingMessage, body: string): Promise<[number, unknown]> => {
    if (req.headers.authorization !== `Bearer ${token}`) return [401, { error: 'Unauthorized' }];
    const encode = (reply: Reply) =>
      'result' in reply && req.headers['upstash-encoding'] === 'base64'
        ? { result: base64(reply.result) }
        : reply;
    const commands = JSON.parse(body) as unknown;
    if (!Array.isArray(commands)) return [400, { error: 'ERR the body must be a JSON array' }];
    if (req.url === '/pipeline')
      return [200, (await Promise.all((commands as Command[]).map(call))).map(encode)];
    if (req.url === '/multi-exec')
      return [200, (await multiExec(commands as Command[])).map(encode)];
    const reply = await call(commands as Command);
    return ['error' in reply ? 400 : 200, encode(reply)];
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks).toString('utf8'))
        .catch((error: unknown): [number, unknown] => [
          400,
          { error: `ERR ${error instanceof Error ? error.message : String(error)}` },
        ])
        .then(([status, reply]) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply)),
        )
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await redis.quit();
  };
  return { url, token, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '8079' },
      token: { type: 'string', default: 'dev' },
      redis: { type: 'string' },
    },
  });
  void startUpstashBridge({
    redisUrl: args.redis,
    token: args.token,
    port: Number(args.port),
  }).then((bridge) => {
    console.log(`Upstash REST bridge listening on ${bridge.url}`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => void bridge.close().then(() => process.exit(0)));
  });
}
