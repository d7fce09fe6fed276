/**
 * The log of a real server process at the default level: one line per request, and no
 * token, signature, key or secret in any line, whether it came in a URL, a header or a form.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, scrubSecrets } from '../../src/logging.ts';
import { type ChildService, startChild } from '../helpers/child-server.ts';
import { childServiceEnv, type ChildServiceEnv } from '../helpers/child-service-env.ts';

const API_SECRET = 'Top-Secret-Cloudinary-Value';
const SECRET_KEY_BASE = 'secret-key-base-that-must-never-be-logged-0123456789';
let setup: ChildServiceEnv;
let service: ChildService;

before(async () => {
  setup = await childServiceEnv('log-redaction', {
    LOG_LEVEL: 'info',
    CLOUDINARY_URL: `cloudinary://918273645:${API_SECRET}@logcloud`,
    SECRET_KEY_BASE,
  });
  service = await startChild('serve', setup.env, { port: setup.port });
});
after(async () => {
  await service.kill();
  await setup.cleanup();
});

interface LogLine {
  msg: string;
  req?: { url: string };
}

test('every request is logged once, with its tokens, signatures and secrets redacted', async () => {
  const token = /token \(4 h\):\s+(\S+)/.exec(service.output())?.[1];
  assert.ok(token, 'first start prints a token');
  const auth = { Authorization: `Token token="${token}"` };
  const secret = await fetch(`${service.url}/api/v1/secret`, { method: 'POST', headers: auth, body: new URLSearchParams({ name: 'ci' }) });
  const secretUrl = new URL(((await secret.json()) as { url: string }).url);
  const form = new FormData();
  form.append('api_key', '918273645');
  form.append('timestamp', '1');
  form.append('signature', 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed');
  const requests: Array<[string, RequestInit]> = [
    [`/api/v1/organization?token=${token}`, {}],
    ['/api/v1/organization', { headers: auth }],
    ['/api/v1/albums', { headers: { Authorization: `Basic ${Buffer.from(`${secretUrl.username}:${secretUrl.password}`).toString('base64')}` } }],
    [`/upload_test?token=${token}`, {}],
    [`/api/v1/cloudinary?token=${token}`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } }],
    ['/v1_1/logcloud/auto/upload?signature=abcdef0123456789&api_key=918273645', { method: 'POST', body: form }],
    [`/api/v1/nothing-here?token=${token}&api_secret=${API_SECRET}`, {}],
  ];
  for (const [path, init] of requests) await (await fetch(service.url + path, init)).arrayBuffer();
  // The child's log is its stdout; give the last lines a moment to arrive.
  const expected = requests.length + 1;
  let lines: LogLine[] = [];
  for (let i = 0; i < 100; i++) {
    // Complete lines only: the last one may still be arriving.
    lines = service
      .output()
      .split('\n')
      .slice(0, -1)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    if (lines.filter((l) => l.req && !l.req.url.startsWith('/healthz')).length >= expected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const requestLines = lines.filter((l) => l.req && !l.req.url.startsWith('/healthz'));
  assert.equal(requestLines.length, expected, `one line per request:\n${requestLines.map((l) => JSON.stringify(l)).join('\n')}`);
  assert.ok(requestLines.every((l) => l.msg === 'request completed'));
  const log = lines.map((l) => JSON.stringify(l)).join('\n');
  for (const leaked of [token, secretUrl.password, API_SECRET, SECRET_KEY_BASE, 'f00dfeedf00dfeed', 'abcdef0123456789', token.split('.')[2]!]) {
    assert.ok(!log.includes(leaked), `the log holds ${leaked.slice(0, 12)}…`);
  }
  assert.match(log, /\/api\/v1\/organization\?token=\[REDACTED\]/, 'the line still says which URL was asked');
});

test('scrubSecrets: URLs, headers, JSON keys, credentials in URLs, bare JWTs', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiYSJ9.c2lnbmF0dXJl';
  const cases: Array<[string, string]> = [
    [`/x?a=1&token=${jwt}&b=2`, '/x?a=1&token=[REDACTED]&b=2'],
    ['/v1_1/c/auto/upload?signature=abc&api_key=123', '/v1_1/c/auto/upload?signature=[REDACTED]&api_key=[REDACTED]'],
    ['{"authorization":"Basic dXNlcjpwYXNz","host":"h"}', '{"authorization":"[REDACTED]","host":"h"}'],
    ['failed: cloudinary://123:s3cr3t@cloud', 'failed: cloudinary://[REDACTED]@cloud'],
    ['postgres://app:hunter22@db:5432/x', 'postgres://[REDACTED]@db:5432/x'],
    [`Bearer ${jwt}`, 'Bearer [REDACTED]'],
    ['Basic dXNlcjpwYXNzd29yZA==', 'Basic [REDACTED]'],
    ['secret whsec_abcDEF123', 'secret [REDACTED]'],
    ['/c/image/authenticated/s--AbCd1234--/v1/x.jpg', '/c/image/authenticated/s--[REDACTED]--/v1/x.jpg'],
    ['nothing to hide here', 'nothing to hide here'],
  ];
  for (const [input, output] of cases) assert.equal(scrubSecrets(input), output);
});

test('header objects a logger is given lose their credentials, nested at any depth', () => {
  const lines: string[] = [];
  const log = createLogger('info', { write: (line: string) => lines.push(line) });
  const headers = { authorization: 'Token token="abc.def.ghi"', cookie: 'session=s3cr3t', 'x-token': 'eyJx.eyJy.z', host: 'h' };
  log.info({ req: { headers } }, 'one');
  log.warn({ headers }, 'two');
  log.error({ err: { request: { headers } } }, 'three');
  assert.equal(lines.length, 3);
  for (const line of lines) {
    const text = JSON.stringify(JSON.parse(line));
    assert.ok(!/abc\.def|s3cr3t|eyJ/.test(text), text);
    assert.match(text, /"authorization":"\[REDACTED\]"/);
    assert.match(text, /"cookie":"\[REDACTED\]"/);
    assert.match(text, /"host":"h"/);
  }
});
