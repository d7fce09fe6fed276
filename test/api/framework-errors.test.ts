/**
 * Errors raised by the framework or by Node's HTTP parser, before any route runs, answer
 * like every other error: the contract's `{"error": {"status", "message"}}` with the seed
 * headers on API paths, Cloudinary's `{"error": {"message"}}` on the media host's paths.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let cloud: string;

before(async () => {
  server = await startTestServer();
  cloud = server.config.cloudinary.cloudName;
});
after(() => server.stop());

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`;
const post = (path: string, type: string, body: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
const LONG = 'a'.repeat(10_000);
const HUGE_HEADER = `X-Huge: ${'h'.repeat(20_000)}\r\n`;
/** A multipart form whose one text field is past the 64 KiB default cap on a field. */
const OVERSIZED_FIELD = `--b\r\nContent-Disposition: form-data; name="context"\r\n\r\n${'c'.repeat(70_000)}\r\n--b--\r\n`;

function assertApiError(answer: RawAnswer, status: number): void {
  assert.equal(answer.status, status, answer.text.slice(0, 300));
  assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = JSON.parse(answer.body) as { error: { status: number; message: string } };
  assert.equal(body.error.status, status);
  assert.ok(body.error.message.length > 0 && body.error.message.length < 200, body.error.message);
}

function assertSeedHeaders(answer: RawAnswer): void {
  assert.equal(answer.headers.get('cache-control'), 'no-cache, no-store');
  assert.equal(answer.headers.get('pragma'), 'no-cache');
  assert.equal(answer.headers.get('x-frame-options'), 'DENY');
  assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
  assert.match(answer.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.match(answer.headers.get('x-runtime') ?? '', /^\d+\.\d{6}$/);
  assert.ok(answer.headers.has('p3p'));
}

function assertMediaError(answer: RawAnswer, status: number): void {
  assert.equal(answer.status, status, answer.text.slice(0, 300));
  const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body.error), ['message']);
  assert.equal(typeof body.error.message, 'string');
}

describe('API paths: the contract error with the seed headers', () => {
  const cases: Array<[string, number, () => string]> = [
    ['unknown route, no token', 404, () => get('/api/v1/nothing-here')],
    ['10 kB path parameter', 414, () => get(`/api/v1/albums/${LONG}`)],
    ['10 kB path of no route', 414, () => get(`/api/v1/${LONG}`)],
    ['huge header', 431, () => get('/api/v1/albums', HUGE_HEADER)],
    ['malformed URL escape', 400, () => get('/api/v1/albums/%zz')],
    ['body over 1 MiB', 413, () => post('/api/v1/albums', 'application/json', JSON.stringify({ public_id: 'x'.repeat(1_100_000) }))],
    ['unknown content type', 415, () => post('/api/v1/albums', 'text/weird', 'ab')],
  ];
  for (const [name, status, request] of cases) {
    test(`${name}: ${status}`, async () => {
      const answer = await rawRequest(server.url, request());
      assertApiError(answer, status);
      assertSeedHeaders(answer);
    });
  }
});

describe("media host paths: Cloudinary's error", () => {
  const cases: Array<[string, number, () => string]> = [
    ['unknown route', 404, () => get(`/v1_1/${cloud}/nothing`)],
    ['10 kB delivery path', 414, () => get(`/${cloud}/image/upload/${LONG}.jpg`)],
    ['huge header', 431, () => get(`/v1_1/${cloud}/auto/upload`, HUGE_HEADER)],
    ['unknown content type', 415, () => post(`/v1_1/${cloud}/auto/upload`, 'text/weird', 'ab')],
    ['text field over MAX_FORM_FIELD_BYTES', 413, () => post(`/v1_1/${cloud}/auto/upload`, 'multipart/form-data; boundary=b', OVERSIZED_FIELD)],
  ];
  for (const [name, status, request] of cases) {
    test(`${name}: ${status}`, async () => assertMediaError(await rawRequest(server.url, request()), status));
  }
});

test('other paths: the contract error', async () => {
  assertApiError(await rawRequest(server.url, get('/nothing-here')), 404);
  assertApiError(await rawRequest(server.url, get('/', HUGE_HEADER)), 431);
});
