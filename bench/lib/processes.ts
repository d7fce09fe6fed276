/**
 * Child processes for benchmarks: every server under test runs in its own process, so the
 * load generator (autocannon, in the bench process) never shares the server's event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root: bench/lib/../.. */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** A loopback port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** A server running in a child process. */
export interface ChildServer {
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; resolves once it is gone. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// A crashed or interrupted bench must not leave servers holding ports and CPU behind.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return once(child, 'exit').then(() => undefined);
}

/** Polls `url` until it answers 200; fails early, with the child's stderr, if the child dies. */
async function waitUntilHealthy(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ${url} answered:\n${stderr()}`);
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${stderr()}`);
}

export interface StartChildOptions {
  /** Arguments to `node` (flags, script, script arguments). */
  args: string[];
  env: Record<string, string>;
  port: number;
  healthPath?: string;
  timeoutMs?: number;
}

/** Starts `node <args>` and waits until `http://127.0.0.1:<port><healthPath>` answers 200. */
export async function startChildServer(options: StartChildOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, options.args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    // Keeps the tail only: a long run must not grow this without bound.
    stderr = (stderr + chunk).slice(-20_000);
  });
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    }
    children.delete(child);
  };
  try {
    await waitUntilHealthy(url + (options.healthPath ?? '/healthz'), child, () => stderr, options.timeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid!, stop };
}

/** Runs `node <args>` to completion and returns its stdout; throws with stderr on failure. */
export async function runNode(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${stderr}`);
  return stdout;
}
