/**
 * Every process applies pending migrations at start. Three started at once on a fresh database
 * (two API processes and a worker) must all come up, with each migration applied once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { tempDir } from '../helpers/server.ts';
import { deploymentEnv, eventually, sharedDatabase, type SharedDatabase, waitForOutput } from './cluster.ts';

const children: ChildService[] = [];
const databases: SharedDatabase[] = [];
after(async () => {
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
  for (const database of databases) await database.drop();
});

async function appliedOnce(database: SharedDatabase): Promise<void> {
  const applied = await database.query<{ name: string; n: number | string }>(
    'SELECT name, COUNT(*) AS n FROM kysely_migration GROUP BY name ORDER BY name',
  );
  assert.ok(applied.length >= 1, 'migrations were recorded');
  assert.equal(applied[0]!.name, '0001_core');
  for (const row of applied) assert.equal(Number(row.n), 1, `${row.name} applied once`);
  // The schema is whole: the first migration's tables are there and usable.
  const assets = await database.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM media_assets');
  assert.equal(Number(assets[0]!.n), 0);
}

test('five processes migrating a fresh database at the same instant: each migration once, none fails', { timeout: 120_000 }, async () => {
  const database = await sharedDatabase();
  databases.push(database);
  const children = Array.from({ length: 5 }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'migrate.child.ts'), database.url], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const closed = once(child, 'close');
    return { child, output: () => ({ out, err }), closed };
  });
  // Every process loaded and connected (tsx compiles on start, which takes seconds), then go.
  await eventually('five ready migrators', async () =>
    children.every((c) => c.output().out.startsWith('ready')) ? true : undefined,
  );
  for (const { child } of children) child.stdin.write('go\n');
  const results = await Promise.all(
    children.map(async ({ closed, output }) => {
      await closed;
      return { out: output().out.replace(/^ready\n/, '').trim(), err: output().err };
    }),
  );
  for (const { out, err } of results) assert.equal(out, JSON.stringify({ ok: true }), err);
  await appliedOnce(database);
});

test('three processes starting at once on a fresh database migrate it once and all run', { timeout: 120_000 }, async () => {
  const database = await sharedDatabase();
  databases.push(database);
  const port = await freePort();
  const env = deploymentEnv(`http://127.0.0.1:${port}`, database.url, { WORKERS: '0' });
  const starts = await Promise.allSettled([
    startChild('serve', { ...env, DATA_DIR: tempDir('migrate-a') }, { port }),
    startChild('serve', { ...env, DATA_DIR: tempDir('migrate-b') }),
    startChild('worker', { ...env, DATA_DIR: tempDir('migrate-w') }),
  ]);
  // The ones that came up are stopped after the test even when another did not.
  const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
  children.push(...started);
  for (const start of starts) if (start.status === 'rejected') throw start.reason;
  const [a, b, worker] = started as [ChildService, ChildService, ChildService];
  await waitForOutput(worker, /album-api worker \S+ running jobs/);
  for (const server of [a, b]) assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

  await appliedOnce(database);
});
