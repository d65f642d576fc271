/**
 * A child process the bench starts and must never leave behind: `next start` (and, for Neon's
 * driver, a WebSocket→TCP proxy). Each runs in its own process group (`detached`), so stopping
 * it stops whatever it spawned; a process 'exit' hook kills the groups still alive even when the
 * bench fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) killGroup(child, 'SIGTERM');
      process.exit(130);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export type Child = {
  pid: number;
  /** The child's output so far (stdout and stderr, in one file). */
  log(): string;
  logFile: string;
  exited(): boolean;
  /** Sends `signal` to the process group (the metering-shutdown section's SIGTERM / SIGKILL). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or the signal's name) once the child has exited, or null after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<number | string | null>;
  /** SIGTERM to the process group, SIGKILL after 5 s. */
  stop(): Promise<void>;
};

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logDir: string },
): Child {
  hookExit();
  const logFile = path.join(options.logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true, // its own process group: kill(-pid) reaches everything it starts
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  live.add(child);
  let exited = false;
  let status: number | string | null = null;
  const done = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      status = code ?? signal;
      live.delete(child);
      resolve();
    }),
  );
  return {
    pid: child.pid,
    logFile,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    exited: () => exited,
    signal: (signal) => killGroup(child, signal),
    waitForExit: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([done, timeout]);
      clearTimeout(timer);
      return outcome === 'timeout' ? null : status;
    },
    stop: async () => {
      if (exited) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL'); // anything of the group that outlived its leader
    },
  };
}

/** A port the kernel says is free right now (not 3000/3100, which the app and e2e use). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 3000 && port !== 3100 && port !== 0) return port;
  }
}

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

/**
 * One HTTP request to 127.0.0.1 with an explicit Host header (Node's fetch drops it and cannot
 * resolve `*.localhost`).
 */
export function request(
  port: number,
  pathname: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, method: 'GET', headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${pathname} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `pathname` until it answers `status`, the child exits, or the time is up. */
export async function waitForReady(
  child: Child,
  port: number,
  pathname: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  let last = 'no answer';
  while (performance.now() - started < timeoutMs) {
    if (child.exited())
      throw new Error(`the server exited before it was ready:\n${tail(child.log())}`);
    try {
      const reply = await request(port, pathname, headers, 2000);
      if (reply.status === 200) return (performance.now() - started) / 1000;
      last = `HTTP ${reply.status} ${reply.body.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `the server was not ready after ${timeoutMs / 1000} s (last: ${last}):\n${tail(child.log())}`,
  );
}

export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
