/**
 * Token lifetimes: a user token must expire, and no API token may live longer than
 * MAX_TOKEN_LIFETIME_SECONDS. Partner secret tokens, as SharinPix's own client signs them
 * (no exp, no iat, header {"alg":"HS256","cty":"JWT"}), stay accepted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { call, newTenant, startTestServer, type Tenant, type TestServer } from '../helpers/server.ts';

const MAX = 86_400;
let server: TestServer;
let tenant: Tenant;
let secret: { id: string; value: string };

before(async () => {
  server = await startTestServer({ MAX_TOKEN_LIFETIME_SECONDS: String(MAX) });
  tenant = await newTenant(server);
  const res = await call<{ id: string; url: string }>(server, 'POST', '/api/v1/secret', { token: tenant.token, form: { name: 'crm' } });
  assert.equal(res.status, 200, res.text);
  secret = { id: res.body.id, value: decodeURIComponent(new URL(res.body.url).password) };
});
after(() => server.stop());

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function hs256(claims: object, key: string, header: object = { typ: 'JWT', alg: 'HS256' }): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

const getUser = (token: string) => call<{ error: { message: string } }>(server, 'GET', '/api/v1/organization', { token });

describe('user tokens', () => {
  test('without exp: 401', async () => {
    const res = await getUser(hs256({ iat: now(), user_id: tenant.userId, abilities: {} }, server.config.secretKeyBase));
    assert.equal(res.status, 401, res.text);
    assert.match(res.body.error.message, /exp/);
  });

  test('exp - iat beyond the maximum: 401', async () => {
    const res = await getUser(hs256({ exp: now() + 600, iat: now() - MAX, user_id: tenant.userId, abilities: {} }, server.config.secretKeyBase));
    assert.equal(res.status, 401, res.text);
    assert.match(res.body.error.message, /longer than/);
  });

  test('exp further from now than the maximum (no iat): 401', async () => {
    const res = await getUser(hs256({ exp: now() + MAX + 600, user_id: tenant.userId, abilities: {} }, server.config.secretKeyBase));
    assert.equal(res.status, 401, res.text);
  });

  test('within the maximum: accepted', async () => {
    const res = await getUser(hs256({ exp: now() + MAX - 60, iat: now(), user_id: tenant.userId, abilities: {} }, server.config.secretKeyBase));
    assert.equal(res.status, 200, res.text);
  });

  test('the CLI path refuses to mint a token beyond the maximum', async () => {
    await assert.rejects(server.services.accounts.userToken(tenant.userId, {}, MAX + 1), /at most/);
  });
});

describe('secret tokens', () => {
  const sharinpixHeader = { alg: 'HS256', cty: 'JWT' };

  test('as SharinPix signs them (no exp, no iat, cty header): accepted', async () => {
    const admin = await getUser(hs256({ admin: true, iss: secret.id }, secret.value, sharinpixHeader));
    assert.equal(admin.status, 200, admin.text);
    const albums = await call(server, 'GET', '/api/v1/albums', {
      token: hs256({ abilities: { 'crm-1': { Access: { see: true, image_upload: true } } }, iss: secret.id }, secret.value, sharinpixHeader),
    });
    assert.equal(albums.status, 200, albums.text);
  });

  test('with an exp beyond the maximum: 401', async () => {
    const res = await getUser(hs256({ admin: true, iss: secret.id, exp: now() + MAX * 2 }, secret.value, sharinpixHeader));
    assert.equal(res.status, 401, res.text);
  });
});
