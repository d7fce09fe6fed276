/**
 * Replays the seed exchange (`../shared/seed/create_an_album.md`) against a running server
 * and compares what the seed fixes: status, headers, key order, the form and its signature.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signUploadParams } from '../../src/media/signing.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer } from '../helpers/server.ts';
import { SEED_HEADER_ORDER } from '../helpers/seed-headers.ts';

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

/** The seed's response headers with fixed values. */
const FIXED_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache, no-store',
  pragma: 'no-cache',
  expires: 'Fri, 01 Jan 1990 00:00:00 GMT',
  'content-type': 'application/json; charset=utf-8',
  vary: 'Accept-Encoding',
  p3p: 'CP="NOI ADM DEV PSAi COM NAV OUR OTRo STP IND DEM"',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'x-xss-protection': '1; mode=block',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'referrer-policy': 'origin-when-cross-origin, strict-origin-when-cross-origin',
};

export function assertSeedHeaders(headers: Headers, options: { token?: string } = {}): void {
  for (const [name, value] of Object.entries(FIXED_HEADERS)) assert.equal(headers.get(name), value, name);
  assert.match(headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(headers.get('x-runtime') ?? '', /^\d+\.\d{6}$/);
  assert.match(headers.get('content-length') ?? '', /^\d+$/);
  if (options.token) assert.equal(headers.get('x-token'), options.token);
}

test('POST /api/v1/albums replays the seed exchange', async () => {
  const before = Math.floor(Date.now() / 1000);
  const res = await call<Record<string, unknown>>(server, 'POST', '/api/v1/albums', {
    token: tenant.token,
    form: '',
    headers: { Host: 'example.org', Cookie: '' },
  });
  const after = Math.floor(Date.now() / 1000);
  assert.equal(res.status, 200);
  assertSeedHeaders(res.headers, { token: tenant.token });
  assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(res.text));

  const body = res.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(Object.keys(body), [
    'id',
    'public_id',
    'images_count',
    'views_count',
    'upload_form',
    'organization_id',
    'thumbnails',
  ]);
  assert.match(body.id, /^[0-9a-f-]{36}$/);
  assert.equal(body.public_id, body.id);
  assert.equal(body.images_count, 0);
  assert.equal(body.views_count, 0);
  assert.equal(body.organization_id, tenant.organizationId);
  assert.deepEqual(body.thumbnails, []);

  const form = body.upload_form;
  assert.deepEqual(Object.keys(form), ['url', 'expires_at', 'name', 'id', 'params', 'test_url']);
  const { cloudName, apiKey, apiSecret } = server.config.cloudinary;
  assert.equal(form.url, `${server.url}/v1_1/${cloudName}/auto/upload`);
  assert.ok(form.expires_at >= before + 604800 && form.expires_at <= after + 604800);
  assert.equal(form.name, body.id);
  assert.equal(form.id, `${tenant.organizationId}-${body.id}`);
  assert.equal(form.test_url, '/upload_test');

  const params = form.params;
  assert.deepEqual(Object.keys(params), [
    'colors',
    'faces',
    'image_metadata',
    'notification_url',
    'phash',
    'tags',
    'timestamp',
    'type',
    'signature',
    'api_key',
  ]);
  for (const flag of ['colors', 'faces', 'image_metadata', 'phash']) assert.strictEqual(params[flag], 1, flag);
  assert.equal(params.tags, body.id);
  assert.equal(params.timestamp, form.expires_at);
  assert.equal(params.type, 'authenticated');
  assert.equal(params.api_key, apiKey);
  const { signature, api_key: _key, ...signed } = params;
  assert.equal(signature, signUploadParams(signed, apiSecret));
  assert.match(signature, /^[0-9a-f]{40}$/);

  const notificationUrl = new URL(params.notification_url);
  assert.equal(`${notificationUrl.origin}${notificationUrl.pathname}`, `${server.config.publicUrl}/api/v1/cloudinary`);
  const notificationToken = notificationUrl.searchParams.get('token')!;
  assert.deepEqual(decodeProtectedHeader(notificationToken), { typ: 'JWT', alg: 'HS256' });
  const claims = decodeJwt(notificationToken);
  assert.deepEqual(Object.keys(claims), ['exp', 'iat', 'user_id', 'album_id', 'organization_id']);
  assert.equal(claims.user_id, tenant.userId);
  assert.equal(claims.album_id, body.id);
  assert.equal(claims.organization_id, tenant.organizationId);
  assert.ok(claims.exp! > form.expires_at, 'the notification token outlives the form');
});

test('the user token has the seed shape: header, claim order, 4 h lifetime', () => {
  assert.deepEqual(decodeProtectedHeader(tenant.token), { typ: 'JWT', alg: 'HS256' });
  const claims = decodeJwt(tenant.token);
  assert.deepEqual(Object.keys(claims), ['exp', 'iat', 'user_id', 'abilities']);
  assert.equal(claims.exp! - claims.iat!, 14400);
  assert.deepEqual(claims.abilities, {});
});

test('a client-chosen id: album[public_id] (form) and public_id (JSON); taken is 409', async () => {
  const viaForm = await call<Record<string, unknown>>(server, 'POST', '/api/v1/albums', {
    token: tenant.token,
    form: { 'album[public_id]': 'crm-42' },
  });
  assert.equal(viaForm.status, 200);
  assert.equal(viaForm.body.id, 'crm-42');
  assert.equal(viaForm.body.public_id, 'crm-42');
  const viaJson = await call<Record<string, unknown>>(server, 'POST', '/api/v1/albums', {
    token: tenant.token,
    json: { public_id: 'crm-43' },
  });
  assert.equal(viaJson.body.id, 'crm-43');
  const taken = await call<{ error: { status: number; message: string } }>(server, 'POST', '/api/v1/albums', {
    token: tenant.token,
    form: { 'album[public_id]': 'crm-42' },
  });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.error.status, 409);
  assertSeedHeaders(taken.headers);
  const other = await newTenant(server);
  const sameIdElsewhere = await call(server, 'POST', '/api/v1/albums', { token: other.token, json: { public_id: 'crm-42' } });
  assert.equal(sameIdElsewhere.status, 200, 'ids are unique within an organization only');
});

test('GET /api/v1/albums/:id returns the same album JSON', async () => {
  const created = await call<Record<string, unknown>>(server, 'POST', '/api/v1/albums', { token: tenant.token });
  const got = await call<Record<string, unknown>>(server, 'GET', `/api/v1/albums/${created.body.id}`, { token: tenant.token });
  assert.equal(got.status, 200);
  assertSeedHeaders(got.headers, { token: tenant.token });
  assert.deepEqual(Object.keys(got.body), Object.keys(created.body));
  assert.equal(got.body.id, created.body.id);
});

test('an incoming well-formed X-Request-Id is echoed; a malformed one is replaced', async () => {
  const id = '0b0b9f7c-8a7e-4f8e-9a46-2f1f9e5c1d11';
  const echoed = await call(server, 'GET', '/api/v1/user', { token: tenant.token, headers: { 'X-Request-Id': id } });
  assert.equal(echoed.headers.get('x-request-id'), id);
  const replaced = await call(server, 'GET', '/api/v1/user', { token: tenant.token, headers: { 'X-Request-Id': 'x<script>' } });
  assert.notEqual(replaced.headers.get('x-request-id'), 'x<script>');
});

test('the response header order follows the seed', async () => {
  const res = await call(server, 'GET', '/api/v1/user', { token: tenant.token });
  const names = [...res.headers.keys()].filter((n) => SEED_HEADER_ORDER.includes(n));
  // fetch's Headers sorts names, so read the raw order from a plain socket instead.
  const raw = await rawHeaderNames(`/api/v1/user`, tenant.token);
  assert.deepEqual(
    raw.filter((n) => SEED_HEADER_ORDER.includes(n)),
    SEED_HEADER_ORDER,
  );
  assert.equal(names.length, SEED_HEADER_ORDER.length);
});

async function rawHeaderNames(path: string, token: string): Promise<string[]> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers: { Authorization: `Token token="${token}"` } }, (res) => {
      res.resume();
      const names: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) names.push(res.rawHeaders[i]!.toLowerCase());
      resolve(names);
    });
    req.on('error', reject);
    req.end();
  });
}
