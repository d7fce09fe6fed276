/**
 * The service as a separate process (`node bin/album-api.js <command>`), for tests that kill
 * it or run several: crash recovery, several API processes, separate workers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free loopback port (bound and released at once). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface ChildService {
  process: ChildProcess;
  url: string;
  /** Everything the process printed on stdout so far. */
  output(): string;
  /** Everything it printed on stderr so far. */
  errors(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The banner's last line: `serve` prints it once bootstrapping is done, after /healthz answers. */
const STARTED = / {2}a token: +.+\n/;

/**
 * Starts `album-api <command>` and, for `serve`, waits until /healthz answers and the start
 * banner (with a first start's token) is printed.
 */
export async function startChild(
  command: 'serve' | 'worker',
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<ChildService> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/album-api.js', command], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  if (command === 'serve') {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
      await sleep(100);
    }
  }
  const service: ChildService = {
    process: child,
    url,
    output: () => stdout,
    errors: () => stderr,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  if (command === 'serve') await waitForOutput(service, STARTED);
  return service;
}

/** Waits until the child has printed something matching `pattern` on stdout. */
export async function waitForOutput(child: ChildService, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      const code = child.process.exitCode ?? child.process.signalCode;
      throw new Error(`process exited (${code}) before printing ${pattern}; its stderr:\n${child.errors()}\nits stdout:\n${child.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms in:\n${child.output()}`);
    await sleep(50);
  }
}
