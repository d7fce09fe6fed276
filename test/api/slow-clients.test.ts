/**
 * Slow or idle clients do not keep sockets forever: headers must arrive within
 * HEADERS_TIMEOUT_MS, a whole request within REQUEST_TIMEOUT_MS (both answered 408 in the
 * path's error format), an idle keep-alive connection closes after KEEP_ALIVE_TIMEOUT_MS, and
 * MAX_CONNECTIONS_PER_ADDRESS caps what one address holds open. Each wait below is only a
 * bound on how long the test waits for the server to act; no duration is asserted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSocket, rawRequest } from '../helpers/raw-http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    HEADERS_TIMEOUT_MS: '500',
    REQUEST_TIMEOUT_MS: '1500',
    KEEP_ALIVE_TIMEOUT_MS: '300',
    IDLE_TIMEOUT_MS: '2000',
    MAX_CONNECTIONS_PER_ADDRESS: '4',
  });
});
after(() => server.stop());

const WAIT = 15_000;

describe('timeouts', () => {
  test('headers dripped byte by byte: 408 in the contract format, connection closed', async () => {
    const answer = await rawRequest(server.url, 'GET /api/v1/albums HTTP/1.1\r\nHost: x\r\n', { drip: 'X', dripMs: 50, waitMs: WAIT });
    assert.ok(answer.closed, 'the server closed the connection');
    assert.equal(answer.status, 408, answer.text);
    assert.equal(JSON.parse(answer.body).error.status, 408);
    assert.equal(answer.headers.get('cache-control'), 'no-cache, no-store');
  });

  test('a body shorter than its Content-Length: 408, connection closed', async () => {
    const answer = await rawRequest(
      server.url,
      'POST /api/v1/albums HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"public_id":',
      { waitMs: WAIT },
    );
    assert.ok(answer.closed, 'the server closed the connection');
    assert.equal(answer.status, 408, answer.text);
  });

  test("an upload body dripped forever: 408 in Cloudinary's format", async () => {
    const answer = await rawRequest(
      server.url,
      `POST /v1_1/${server.config.cloudinary.cloudName}/auto/upload HTTP/1.1\r\nHost: x\r\n` +
        'Content-Type: multipart/form-data; boundary=XX\r\nTransfer-Encoding: chunked\r\n\r\n',
      { drip: '1\r\nA\r\n', dripMs: 50, waitMs: WAIT },
    );
    assert.ok(answer.closed, 'the server closed the connection');
    assert.equal(answer.status, 408, answer.text);
    assert.deepEqual(Object.keys(JSON.parse(answer.body).error), ['message']);
  });

  test('a connection that never sends anything is closed', async () => {
    const answer = await rawRequest(server.url, '', { waitMs: WAIT });
    assert.ok(answer.closed);
  });

  test('an idle keep-alive connection is closed after its answer', async () => {
    const answer = await rawRequest(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: WAIT });
    assert.equal(answer.status, 200);
    assert.ok(answer.closed, 'closed once idle');
  });
});

test('connections beyond the per-address cap are closed at once; the others keep working', async () => {
  const sockets = await Promise.all(Array.from({ length: 4 }, () => openSocket(server.url)));
  try {
    const extra = await rawRequest(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: WAIT });
    assert.ok(extra.closed, 'the fifth connection is closed');
    assert.equal(extra.status, null, 'and not answered');
    const kept = await rawRequest(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', {
      socket: sockets[0]!,
      waitMs: WAIT,
    });
    assert.equal(kept.status, 200);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});
