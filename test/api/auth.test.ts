/**
 * Tokens, abilities, tenancy and X-token, over HTTP against a running server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { call, newTenant, startTestServer, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function hs256(claims: object, key: string): Promise<string> {
  return new SignJWT({ ...claims } as Record<string, unknown>)
    .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
    .sign(new TextEncoder().encode(key));
}

async function createAlbum(token: string, publicId?: string): Promise<string> {
  const res = await call<{ id: string }>(server, 'POST', '/api/v1/albums', {
    token,
    ...(publicId ? { form: { 'album[public_id]': publicId } } : {}),
  });
  assert.equal(res.status, 200, res.text);
  return res.body.id;
}

function assertJsonError(res: { status: number; headers: Headers; body: unknown }, status: number): void {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache, no-store');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.match(res.headers.get('x-runtime') ?? '', /^\d+\.\d{6}$/);
  const error = (res.body as { error: { status: number; message: string } }).error;
  assert.equal(error.status, status);
  assert.ok(error.message.length > 0);
  assert.ok(!JSON.stringify(res.body).includes('    at '), 'no stack trace');
}

describe('every wrong token is a 401 with a JSON error and the seed headers', () => {
  const cases: Array<[string, () => Promise<Record<string, string>>]> = [
    ['missing', async () => ({})],
    ['garbage', async () => ({ Authorization: 'Token token="not.a.jwt"' })],
    ['malformed header', async () => ({ Authorization: 'Digest abc' })],
    [
      'alg none',
      async () => ({
        Authorization: `Token token="${b64({ typ: 'JWT', alg: 'none' })}.${b64({ exp: now() + 600, iat: now(), user_id: tenant.userId, abilities: {} })}."`,
      }),
    ],
    [
      'HS512 instead of HS256',
      async () => {
        const token = await new SignJWT({ exp: now() + 600, iat: now(), user_id: tenant.userId, abilities: {} })
          .setProtectedHeader({ typ: 'JWT', alg: 'HS512' })
          .sign(new TextEncoder().encode(server.config.secretKeyBase));
        return { Authorization: `Token token="${token}"` };
      },
    ],
    [
      'wrong key',
      async () => ({
        Authorization: `Token token="${await hs256({ exp: now() + 600, iat: now(), user_id: tenant.userId, abilities: {} }, 'not-the-key')}"`,
      }),
    ],
    [
      'expired',
      async () => ({
        Authorization: `Token token="${await hs256({ exp: now() - 10, iat: now() - 14410, user_id: tenant.userId, abilities: {} }, server.config.secretKeyBase)}"`,
      }),
    ],
    [
      'unknown user',
      async () => ({
        Authorization: `Token token="${await hs256({ exp: now() + 600, iat: now(), user_id: '00000000-0000-4000-8000-000000000000', abilities: {} }, server.config.secretKeyBase)}"`,
      }),
    ],
    [
      'secret token signed with another key',
      async () => {
        const admin = await call<{ id: string }>(server, 'POST', '/api/v1/secret', { token: tenant.token, form: { name: 'ci' } });
        return { Authorization: `Bearer ${await hs256({ iss: admin.body.id, admin: true, abilities: {} }, 'guessed')}` };
      },
    ],
    [
      'a notification token used as an API token',
      async () => {
        const album = await call<{ upload_form: { params: { notification_url: string } } }>(server, 'POST', '/api/v1/albums', {
          token: tenant.token,
        });
        const token = new URL(album.body.upload_form.params.notification_url).searchParams.get('token')!;
        return { Authorization: `Bearer ${token}` };
      },
    ],
  ];
  for (const [name, headers] of cases) {
    test(name, async () => {
      const res = await call(server, 'POST', '/api/v1/albums', { headers: await headers() });
      assertJsonError(res, 401);
      assert.equal(res.headers.get('x-token'), null);
    });
  }
});

test('Bearer, quoted and unquoted Token, and ?token= are all accepted', async () => {
  for (const headers of [
    { Authorization: `Bearer ${tenant.token}` },
    { Authorization: `Token token=${tenant.token}` },
    { Authorization: `Token token="${tenant.token}"` },
  ]) {
    assert.equal((await call(server, 'GET', '/api/v1/user', { headers })).status, 200);
  }
  assert.equal((await call(server, 'GET', `/api/v1/user?token=${tenant.token}`)).status, 200);
});

describe('abilities', () => {
  test('a see-only token reads the album with upload_form null', async () => {
    const id = await createAlbum(tenant.token);
    const seeOnly = await tokenWith(server, tenant.userId, { [id]: { Access: { see: true } } });
    const res = await call<{ upload_form: unknown }>(server, 'GET', `/api/v1/albums/${id}`, { token: seeOnly });
    assert.equal(res.status, 200);
    assert.equal(res.body.upload_form, null);
    const uploader = await tokenWith(server, tenant.userId, { [id]: { Access: { see: true, image_upload: true } } });
    const withForm = await call<{ upload_form: unknown }>(server, 'GET', `/api/v1/albums/${id}`, { token: uploader });
    assert.notEqual(withForm.body.upload_form, null);
  });

  test('a token for one album cannot read another, nor list it', async () => {
    const mine = await createAlbum(tenant.token);
    const other = await createAlbum(tenant.token);
    const token = await tokenWith(server, tenant.userId, { [mine]: { Access: { see: true } } });
    assertJsonError(await call(server, 'GET', `/api/v1/albums/${other}`, { token }), 403);
    const list = await call<Array<{ id: string }>>(server, 'GET', '/api/v1/albums', { token });
    assert.deepEqual(
      list.body.map((a) => a.id),
      [mine],
    );
    assert.equal(list.headers.get('x-total-count'), '1');
  });

  test('an ability set to false or absent is denied', async () => {
    const id = await createAlbum(tenant.token);
    const token = await tokenWith(server, tenant.userId, { [id]: { Access: { see: false, image_list: true } } });
    assertJsonError(await call(server, 'GET', `/api/v1/albums/${id}`, { token }), 403);
  });

  test('a restricted token cannot create arbitrary albums, but may create the one it may upload to', async () => {
    const token = await tokenWith(server, tenant.userId, { 'lazy-album': { Access: { see: true, image_upload: true } } });
    assertJsonError(await call(server, 'POST', '/api/v1/albums', { token }), 403);
    assertJsonError(await call(server, 'POST', '/api/v1/albums', { token, form: { 'album[public_id]': 'other' } }), 403);
    const res = await call<{ id: string }>(server, 'POST', '/api/v1/albums', { token, form: { 'album[public_id]': 'lazy-album' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, 'lazy-album');
  });
});

describe('tenancy', () => {
  test("another organization's album is never reached: its id opens an album of the caller's own, or is 404", async () => {
    const other = await newTenant(server);
    const theirs = await createAlbum(other.token, 'shared-name');
    const list = await call<Array<{ id: string }>>(server, 'GET', '/api/v1/albums?per_page=500', { token: tenant.token });
    assert.ok(!list.body.some((a) => a.id === theirs));
    const crossToken = await tokenWith(server, tenant.userId, { [theirs]: { Access: { see: true } } });
    assertJsonError(await call(server, 'GET', `/api/v1/albums/${theirs}`, { token: crossToken }), 404);
    // A token that may create albums opens an id it has not used yet in its own organization.
    const opened = await call<{ organization_id: string; images_count: number }>(server, 'GET', `/api/v1/albums/${theirs}`, { token: tenant.token });
    assert.equal(opened.status, 200);
    assert.equal(opened.body.organization_id, tenant.organizationId);
    assert.equal(opened.body.images_count, 0);
  });
});

describe('X-token', () => {
  test('the same token while more than half its life is left', async () => {
    const res = await call(server, 'GET', '/api/v1/user', { token: tenant.token });
    assert.equal(res.headers.get('x-token'), tenant.token);
  });

  test('a fresh token with the same claims past half-life', async () => {
    const abilities = { a1: { Access: { see: true } } };
    const old = await hs256(
      { exp: now() + 3000, iat: now() - 11400, user_id: tenant.userId, abilities },
      server.config.secretKeyBase,
    );
    const res = await call(server, 'GET', '/api/v1/user', { token: old });
    assert.equal(res.status, 200);
    const fresh = res.headers.get('x-token')!;
    assert.notEqual(fresh, old);
    const claims = JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString());
    assert.deepEqual(Object.keys(claims), ['exp', 'iat', 'user_id', 'abilities']);
    assert.equal(claims.user_id, tenant.userId);
    assert.deepEqual(claims.abilities, abilities);
    assert.equal(claims.exp - claims.iat, 14400);
    assert.ok(Math.abs(claims.iat - now()) <= 2);
    assert.equal((await call(server, 'GET', '/api/v1/user', { token: fresh })).status, 200);
  });
});

describe('secrets and minted tokens', () => {
  test('an admin creates a secret; its URL credentials and its own signed tokens work', async () => {
    const res = await call<{ id: string; url: string; organization: { id: string } }>(server, 'POST', '/api/v1/secret', {
      token: tenant.token,
      json: { name: 'backend' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.organization.id, tenant.organizationId);
    const url = new URL(res.body.url);
    assert.equal(url.username, res.body.id);
    assert.equal(url.pathname, '/api/v1');
    const secret = decodeURIComponent(url.password);

    const basic = `Basic ${Buffer.from(`${url.username}:${secret}`).toString('base64')}`;
    const org = await call<{ id: string }>(server, 'GET', '/api/v1/organization', { headers: { Authorization: basic } });
    assert.equal(org.body.id, tenant.organizationId);

    const adminToken = await hs256({ iss: res.body.id, admin: true, abilities: {} }, secret);
    const created = await call<{ organization_id: string }>(server, 'POST', '/api/v1/albums', {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.organization_id, tenant.organizationId);

    const noRights = await hs256({ iss: res.body.id, abilities: {} }, secret);
    assertJsonError(await call(server, 'POST', '/api/v1/albums', { headers: { Authorization: `Bearer ${noRights}` } }), 403);
  });

  test('a non-admin user cannot create secrets', async () => {
    const plain = await newTenant(server, { admin: false });
    assertJsonError(await call(server, 'POST', '/api/v1/secret', { token: plain.token }), 403);
  });

  test('POST /api/v1/token mints narrower tokens only', async () => {
    const id = await createAlbum(tenant.token);
    const minted = await call<{ token: string; endpoint: string }>(server, 'POST', '/api/v1/token', {
      token: tenant.token,
      form: { permission: JSON.stringify({ abilities: { [id]: { Access: { see: true } } } }) },
    });
    assert.equal(minted.status, 200);
    assert.equal(minted.body.endpoint, `${server.config.publicUrl}/api/v1`);
    const narrow = minted.body.token;
    assert.equal((await call(server, 'GET', `/api/v1/albums/${id}`, { token: narrow })).status, 200);
    const wider = await call(server, 'POST', '/api/v1/token', {
      token: narrow,
      json: { permission: { abilities: { [id]: { Access: { see: true, image_delete: true } } } } },
    });
    assertJsonError(wider, 403);
    assertJsonError(await call(server, 'POST', '/api/v1/token', { token: narrow, json: { permission: { abilities: {} } } }), 403);
    assertJsonError(await call(server, 'POST', '/api/v1/token', { token: tenant.token, form: { permission: '{nope' } }), 400);
  });
});

describe('bad input', () => {
  test('a body over 1 MiB is 413; malformed JSON is 400; the server keeps running', async () => {
    const big = await call(server, 'POST', '/api/v1/albums', { token: tenant.token, form: { x: 'a'.repeat(1_100_000) } });
    assertJsonError(big, 413);
    const res = await fetch(`${server.url}/api/v1/albums`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenant.token}`, 'Content-Type': 'application/json' },
      body: '{"album": ',
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.status, 400);
    const invalid = await call(server, 'POST', '/api/v1/albums', { token: tenant.token, json: { album: 'x' } });
    assertJsonError(invalid, 400);
    const tooLong = await call(server, 'POST', '/api/v1/albums', { token: tenant.token, json: { public_id: 'x'.repeat(300) } });
    assertJsonError(tooLong, 400);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('an unknown API route is a JSON 404 with the seed headers', async () => {
    const res = await call(server, 'GET', '/api/v1/nope', { token: tenant.token });
    assertJsonError(res, 404);
  });
});
