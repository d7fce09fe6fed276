/**
 * What hostile upload bodies make the server hold, measured on a real server process's RSS
 * (/proc/<pid>/status): four concurrent unauthenticated uploads of three 60 MB text fields
 * each (the attack of issue 11) must not grow it by 100 MB; nor four whose file follows
 * unsigned fields (refused before the file is read: the process writes nothing of them, per
 * /proc/<pid>/io), nor four unsigned ones naming an unknown or a signed-only upload preset;
 * nor four 180 MB API form bodies, nor four 180 MB JSON bodies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { type ChildService, startChild } from '../helpers/child-server.ts';
import { childServiceEnv, type ChildServiceEnv } from '../helpers/child-service-env.ts';

const MB = 1024 * 1024;
let setup: ChildServiceEnv;
let service: ChildService;
const cloud = 'memcloud';

before(async () => {
  setup = await childServiceEnv('upload-memory', { CLOUDINARY_URL: `cloudinary://111222333:memory-secret@${cloud}`, WORKERS: '0' });
  service = await startChild('serve', setup.env, { port: setup.port });
});
after(async () => {
  await service.kill();
  await setup.cleanup();
});

/** Bytes the process has written so far (to files, sockets, pipes), from /proc/<pid>/io. */
function writtenBytes(pid: number): number {
  const line = /wchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  assert.ok(line, 'wchar is readable');
  return Number(line[1]);
}

function rssBytes(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(line, 'VmRSS is readable');
  return Number(line[1]) * 1024;
}

const BOUNDARY = 'memory-test-boundary';
const CHUNK = Buffer.alloc(MB, 'x');

/**
 * A multipart body of text fields (a value, or that many bytes of filler), then optionally a
 * file of `fileBytes`, streamed.
 */
async function* multipartBody(fields: Array<[string, number | string]>, fileBytes: number): AsyncGenerator<Buffer> {
  for (const [name, value] of fields) {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`);
    if (typeof value === 'string') yield Buffer.from(value);
    else for (let sent = 0; sent < value; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, value - sent));
    yield Buffer.from('\r\n');
  }
  if (fileBytes > 0) {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
    for (let sent = 0; sent < fileBytes; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, fileBytes - sent));
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${BOUNDARY}--\r\n`);
}

async function* formBody(bytes: number): AsyncGenerator<Buffer> {
  yield Buffer.from('album%5Bpublic_id%5D=');
  for (let sent = 0; sent < bytes; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
}

async function* jsonBody(bytes: number): AsyncGenerator<Buffer> {
  yield Buffer.from('{"public_id":"');
  for (let sent = 0; sent < bytes; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
  yield Buffer.from('"}');
}

interface Answer {
  /** null if no answer came. */
  status: number | null;
  body: string;
}

/**
 * Streams `body` to `path`; resolves once the answer has come and the body is sent (or the
 * server closed the connection), with the answer.
 */
async function send(path: string, contentType: string, body: AsyncGenerator<Buffer>, headers: Record<string, string> = {}): Promise<Answer> {
  const answer: Answer = { status: null, body: '' };
  const req = request(`${service.url}${path}`, { method: 'POST', headers: { ...headers, 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' } });
  const answered = new Promise<void>((resolve) => {
    req.on('response', (res) => {
      answer.status = res.statusCode ?? null;
      res.setEncoding('utf8');
      res.on('data', (text: string) => (answer.body += text));
      res.on('end', resolve).on('error', resolve);
    });
    req.on('close', resolve);
  });
  req.on('error', () => {});
  for await (const chunk of body) {
    if (req.destroyed) break;
    if (!req.write(chunk)) await new Promise((r) => req.once('drain', r).once('close', r));
  }
  if (!req.destroyed) req.end();
  await answered;
  return answer;
}

/** Runs four `attack`s at once (told which one they are) and returns the RSS growth over the baseline, and their answers. */
async function measure(attack: (n: number) => Promise<Answer>): Promise<{ growth: number; statuses: Array<number | null>; answers: Answer[] }> {
  const pid = service.process.pid!;
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
  try {
    const answers = await Promise.all([0, 1, 2, 3].map(attack));
    peak = Math.max(peak, rssBytes(pid));
    return { growth: peak - baseline, statuses: answers.map((a) => a.status), answers };
  } finally {
    clearInterval(sampler);
  }
}

const upload = `/v1_1/${cloud}/auto/upload`;
const multipart = `multipart/form-data; boundary=${BOUNDARY}`;

test('warm-up: the server answers small refused requests', async () => {
  // Loads every code path once, so that the measurements below see only what requests hold.
  assert.equal((await send(upload, multipart, multipartBody([['tags', 10]], 1000))).status, 401);
  assert.equal((await send('/api/v1/albums', 'application/x-www-form-urlencoded', formBody(10))).status, 401);
});

test('four unauthenticated uploads of three 60 MB text fields: under 100 MB held', { timeout: 120_000 }, async () => {
  const { growth, statuses } = await measure(() => send(upload, multipart, multipartBody([['context', 60 * MB], ['tags', 60 * MB], ['folder', 60 * MB]], 0)));
  for (const status of statuses) assert.ok(status === 413 || status === null, `refused (got ${status})`);
  assert.ok(statuses.includes(413), 'answered 413');
  assert.ok(growth < 100 * MB, `RSS grew by ${(growth / MB).toFixed(0)} MB`);
});

test('four uploads whose 180 MB file follows unsigned fields: refused unread, under 100 MB held', { timeout: 120_000 }, async () => {
  const writtenBefore = writtenBytes(service.process.pid!);
  const { growth, statuses } = await measure(() => send(upload, multipart, multipartBody([['tags', 100], ['timestamp', 10]], 180 * MB)));
  const written = writtenBytes(service.process.pid!) - writtenBefore;
  assert.ok(written < 10 * MB, `the files were not written to disk (${(written / MB).toFixed(0)} MB written)`);
  for (const status of statuses) assert.ok(status === 401 || status === null, `refused (got ${status})`);
  assert.ok(statuses.includes(401), 'answered 401');
  assert.ok(growth < 100 * MB, `RSS grew by ${(growth / MB).toFixed(0)} MB`);
});

test('four 180 MB API form bodies: refused, under 100 MB held', { timeout: 120_000 }, async () => {
  const { growth, statuses } = await measure(() => send('/api/v1/albums', 'application/x-www-form-urlencoded', formBody(180 * MB)));
  for (const status of statuses) assert.ok(status === 413 || status === 401 || status === null, `refused (got ${status})`);
  assert.ok(growth < 100 * MB, `RSS grew by ${(growth / MB).toFixed(0)} MB`);
});

test('four unsigned uploads naming an unknown or a signed-only preset, then a 180 MB file: refused unread', { timeout: 120_000 }, async () => {
  const created = await fetch(`${service.url}/v1_1/${cloud}/upload_presets`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from('111222333:memory-secret').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name: 'signed_only', folder: 'kept' }),
  });
  assert.equal(created.status, 200, await created.text());
  const presets = ['no_such_preset', 'signed_only'];
  const writtenBefore = writtenBytes(service.process.pid!);
  const { growth, statuses } = await measure((n) =>
    send(upload, multipart, multipartBody([['upload_preset', presets[n % 2]!], ['tags', 'guest']], 180 * MB)),
  );
  const written = writtenBytes(service.process.pid!) - writtenBefore;
  assert.ok(written < 10 * MB, `the files were not written to disk (${(written / MB).toFixed(0)} MB written)`);
  for (const status of statuses) assert.ok(status === 400 || status === 401 || status === null, `refused (got ${status})`);
  assert.ok(statuses.includes(400), 'an unknown preset: 400');
  assert.ok(statuses.includes(401), 'a preset that is not unsigned: 401');
  assert.ok(growth < 100 * MB, `RSS grew by ${(growth / MB).toFixed(0)} MB`);
});

test('four 180 MB JSON bodies to an API route: 413 with the contract error, under 100 MB held', { timeout: 120_000 }, async () => {
  // With a valid token, only the body's size can refuse it.
  const token = /token \(4 h\):\s+(\S+)/.exec(service.output())?.[1];
  assert.ok(token, 'the first start printed a token');
  const { growth, answers } = await measure(() =>
    send('/api/v1/albums', 'application/json', jsonBody(180 * MB), { Authorization: `Token token="${token}"` }),
  );
  for (const answer of answers) assert.ok(answer.status === 413 || answer.status === null, `refused (got ${answer.status})`);
  const refused = answers.filter((a) => a.status === 413);
  assert.ok(refused.length > 0, 'answered 413');
  for (const answer of refused) assert.equal((JSON.parse(answer.body) as { error: { status: number } }).error.status, 413);
  assert.ok(growth < 100 * MB, `RSS grew by ${(growth / MB).toFixed(0)} MB`);
});
