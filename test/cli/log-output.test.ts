/**
 * Logs a person can read: `serve` on a terminal writes pretty lines, and JSON lines when its
 * stdout is a pipe (as under systemd or a log shipper). The terminal is a real pseudo-TTY,
 * from util-linux's `script`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';
import { waitForOutput } from '../scale/cluster.ts';

const hasScript = spawnSync('script', ['--version']).status === 0;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serverEnv(): Promise<Record<string, string>> {
  const dataDir = tempDir('log-output');
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  if (database) cleanups.push(database.drop);
  return { DATA_DIR: dataDir, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...(database ? { DATABASE_URL: database.url } : {}) };
}

test('stdout a pipe: one JSON object per log line', { timeout: 60_000 }, async () => {
  const server: ChildService = await startChild('serve', await serverEnv());
  cleanups.push(() => server.kill());
  await waitForOutput(server, /Server listening at/);
  const line = server.output().split('\n').find((l) => l.includes('Server listening at'));
  assert.ok(line, server.output());
  const entry = JSON.parse(line) as { level: number; msg: string };
  assert.equal(entry.level, 30);
  assert.match(entry.msg, /^Server listening at http:\/\/127\.0\.0\.1:\d+$/);
});

test('stdout a terminal: pretty lines with the level in words', { skip: !hasScript && 'util-linux script is not installed', timeout: 60_000 }, async () => {
  const env = { ...process.env, ...(await serverEnv()), PORT: String(await freePort()) };
  // detached: `script` and the server it runs form one process group, stopped together.
  const child = spawn('script', ['-qfec', `${process.execPath} bin/album-api.js serve`, '/dev/null'], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 45_000;
  while (!output.includes('Server listening at') && Date.now() < deadline && child.exitCode === null) await sleep(100);
  // Colours aside, a line reads `[<clock time>] INFO: Server listening at ...`.
  const plain = output.replace(/\x1b\[[\d;]*m/g, ''); // eslint-disable-line no-control-regex
  const line = plain.split(/\r?\n/).find((l) => l.includes('Server listening at'));
  assert.ok(line, output);
  assert.match(line, /^\[[^\]]+\] INFO.*: Server listening at http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(!plain.includes('{"level"'), 'no JSON lines on a terminal');
  assert.notEqual(output, plain, 'the terminal gets colours');
});

test('stdout a pipe: lines written just before the process exits all reach it, whole', { timeout: 60_000 }, async () => {
  // A line waits at most for the end of its event-loop turn; an exit in the same turn writes them.
  const script = `
    const { createLogger } = await import('./src/logging.ts');
    const log = createLogger('info');
    for (let i = 0; i < 2000; i++) log.info({ i, pad: 'x'.repeat(40) }, 'line');
    process.exit(3);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 3);
  const lines = output.trimEnd().split('\n');
  assert.equal(lines.length, 2000);
  assert.deepEqual(
    lines.map((line) => (JSON.parse(line) as { i: number }).i),
    Array.from({ length: 2000 }, (_, i) => i),
  );
});
