/**
 * An operator's bad days: `serve` on a taken port says why and exits non-zero (instead of
 * lingering with the database open), and temp files of uploads cut by kill -9 are swept at
 * the next start, while a fresh one (possibly another process's upload in flight) stays.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { childServiceEnv, type ChildServiceEnv } from '../helpers/child-service-env.ts';
import { createAlbum } from '../helpers/uploads.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('serve on a port already taken prints the error and exits non-zero', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const squatter = createServer();
  squatter.listen(port, '127.0.0.1');
  await once(squatter, 'listening');
  cleanups.push(async () => void squatter.close());
  const setup: ChildServiceEnv = await childServiceEnv('port-taken');
  cleanups.push(setup.cleanup);
  const child = spawn(process.execPath, ['bin/album-api.js', 'serve'], {
    env: { ...process.env, ...setup.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = once(child, 'exit') as Promise<[number | null, string | null]>;
  const waited = await Promise.race([exit, sleep(45_000).then(() => null)]);
  if (waited === null) child.kill('SIGKILL');
  assert.ok(waited, 'the process exited by itself');
  assert.notEqual(waited[0], 0, 'with a non-zero code');
  assert.match(stderr, /EADDRINUSE|address already in use/);
});

test('temp files of an upload cut by kill -9 are swept at the next start', { timeout: 120_000 }, async () => {
  // A request may take REQUEST_TIMEOUT_MS; only older temp files are certainly orphans.
  const setup = await childServiceEnv('tmp-sweep', { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '500' });
  cleanups.push(setup.cleanup);
  let service: ChildService = await startChild('serve', { ...setup.env, REQUEST_TIMEOUT_MS: '600000' }, { port: setup.port });
  cleanups.push(() => service.kill('SIGKILL'));
  const token = /token \(4 h\):\s+(\S+)/.exec(service.output())?.[1];
  assert.ok(token, 'first start prints a token');
  const album = await createAlbum(service, token);

  // A signed upload whose file never finishes arriving.
  const boundary = 'sweep-boundary';
  const upload = request(album.upload_form.url, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
  });
  upload.on('error', () => {});
  for (const [name, value] of Object.entries(album.upload_form.params)) {
    upload.write(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  upload.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n`);
  upload.write(Buffer.alloc(256 * 1024, 7));
  const tmp = join(setup.dataDir, 'tmp');
  for (let i = 0; i < 200 && !(existsSync(tmp) && readdirSync(tmp).length); i++) await sleep(25);
  assert.equal(readdirSync(tmp).length, 1, 'the upload has a temp file');
  await service.kill('SIGKILL');
  upload.destroy();
  assert.equal(readdirSync(tmp).length, 1, 'kill -9 left it behind');

  await sleep(1500);
  const inFlight = join(tmp, 'in-flight.upload');
  writeFileSync(inFlight, 'another process is receiving this');
  // Written "now" as far as the sweep can tell, however long the start below takes.
  const later = new Date(Date.now() + 10 * 60_000);
  utimesSync(inFlight, later, later);
  service = await startChild('serve', setup.env, { port: setup.port });
  assert.deepEqual(readdirSync(tmp), ['in-flight.upload'], 'the orphan is gone, the fresh file stays');
});
