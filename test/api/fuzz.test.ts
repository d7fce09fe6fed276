/**
 * Property-based tests (fast-check) over the parsers that take outside input: the delivery
 * URL parser, the nested form and JSON bodies, tokens and Authorization headers, multipart
 * upload fields, album ids. For anything: no crash and no 5xx; anything invalid is a 4xx with
 * a JSON error; anything valid comes back identical.
 *
 * Fixed seed and bounded runs in `npm test`; FUZZ_RUNS=<n> (and FUZZ_SEED) for longer runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { buildDeliveryUrl, DeliveryUrlError, parseDeliveryPath, verifyDeliverySignature } from '../../src/media/delivery/delivery-url.ts';
import { signUploadParams } from '../../src/media/signing.ts';
import { ALBUM_ID_MAX_LENGTH } from '../../src/services/album-id.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
/** Over HTTP, each run is a request; pure parsers afford ten times more. */
const httpRuns = { seed: SEED, numRuns: RUNS };
const unitRuns = { seed: SEED, numRuns: RUNS * 10 };

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

/** No lone surrogate (what percent-encoding and UTF-8 cannot carry). */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);

/** Any string a client could send, lone surrogates and control characters included. */
const anyText = fc.string({ unit: 'binary', maxLength: 80 });
/** Text fetch can put in a header. */
const headerText = fc.string({ unit: 'binary-ascii', maxLength: 200 }).filter((s) => /^[\x20-\x7e\t]*$/.test(s));

/** A 4xx with the contract's JSON error, or (media host) Cloudinary's. */
function assertClientError(res: { status: number; body: unknown; text: string }, format: 'api' | 'media' = 'api'): void {
  assert.ok(res.status >= 400 && res.status < 500, `a 4xx, got ${res.status}: ${res.text.slice(0, 200)}`);
  const error = (res.body as { error?: { status?: number; message?: unknown } } | null)?.error;
  assert.equal(typeof error?.message, 'string', res.text.slice(0, 200));
  if (format === 'api') assert.equal(error!.status, res.status);
}

const isValidAlbumId = (id: string) =>
  id.length > 0 && id.length <= ALBUM_ID_MAX_LENGTH && !/[\p{Cc}\u2028\u2029]/u.test(id) && !/^\s|\s$/u.test(id) && wellFormed(id);

describe('delivery URLs', () => {
  test('any path: parsed, or refused with a DeliveryUrlError', () => {
    const path = fc.oneof(anyText.map((s) => `/${s}`), fc.webPath(), fc.array(anyText, { maxLength: 8 }).map((parts) => `/demo/image/${parts.join('/')}`));
    fc.assert(
      fc.property(path, (p) => {
        try {
          parseDeliveryPath(p);
        } catch (err) {
          assert.ok(err instanceof DeliveryUrlError, String(err));
        }
      }),
      unitRuns,
    );
  });

  test('what buildDeliveryUrl signs, parseDeliveryPath reads back identically and verifies', () => {
    // Folders that read as transformations or versions are ambiguous in Cloudinary's grammar too.
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && !/^\$?[a-z][a-z0-9]*_./i.test(s) && !/^v\d+$/.test(s) && wellFormed(s));
    const publicId = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const component = fc.record({ c: fc.constantFrom('fill', 'fit', 'limit'), w: fc.integer({ min: 1, max: 4000 }), h: fc.integer({ min: 1, max: 4000 }) });
    fc.assert(
      fc.property(publicId, fc.array(component, { maxLength: 3 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom('jpg', 'png', 'webp'), (id, transformation, version, ext) => {
        const url = buildDeliveryUrl({ baseUrl: '', cloud: 'demo', type: 'authenticated', transformation, version, publicId: id, ext, apiSecret: 'fuzz', sign: true });
        const parsed = parseDeliveryPath(url);
        assert.equal(parsed.publicId, id);
        assert.equal(parsed.version, version);
        assert.equal(parsed.ext, ext);
        assert.equal(parsed.transformation.split('/').filter(Boolean).length, transformation.length);
        assert.ok(verifyDeliverySignature(parsed, 'fuzz'));
      }),
      unitRuns,
    );
  });

  test('any delivery path over HTTP: never a 5xx, errors as JSON', async () => {
    const cloud = server.config.cloudinary.cloudName;
    const suffix = fc.oneof(fc.webPath(), fc.array(anyText.filter((s) => wellFormed(s)), { maxLength: 6 }).map((p) => p.map(encodeURIComponent).join('/')));
    await fc.assert(
      fc.asyncProperty(suffix, fc.constantFrom('upload', 'authenticated', 'private', 'x'), async (path, type) => {
        const res = await call(server, 'GET', `/${cloud}/image/${type}/${path.replace(/^\/+/, '')}`);
        assert.ok(res.status < 500, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
        if (res.status >= 400) assertClientError(res, 'media');
      }),
      httpRuns,
    );
  });
});

describe('form and JSON bodies', () => {
  test('any form body: an album or a 4xx JSON error, never a 5xx', async () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 200 }),
      fc.array(fc.tuple(fc.string({ maxLength: 20 }), anyText), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
      fc.array(fc.tuple(fc.constantFrom('album[public_id]', 'public_id', 'album[public_id][]', 'album[][x]', 'album', 'a[b][c][d][e][f][g]'), anyText), { maxLength: 4 }).map((pairs) =>
        pairs.map(([k, v]) => `${encodeURIComponent(k)}=${wellFormed(v) ? encodeURIComponent(v) : v}`).join('&'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (form) => {
        const res = await call(server, 'POST', '/api/v1/albums', { token: tenant.token, form });
        if (res.status !== 200) assertClientError(res);
      }),
      httpRuns,
    );
  });

  test('any JSON body: an album or a 4xx JSON error, never a 5xx', async () => {
    const body = fc.oneof(fc.jsonValue(), fc.record({ public_id: fc.jsonValue() }), fc.record({ album: fc.record({ public_id: anyText }) }));
    await fc.assert(
      fc.asyncProperty(body, async (json) => {
        const res = await call(server, 'POST', '/api/v1/albums', { token: tenant.token, json });
        if (res.status !== 200) assertClientError(res);
      }),
      httpRuns,
    );
  });

  test('album ids: a valid id round-trips through create (form) and the URL; an invalid one is a 400', async () => {
    const owner = await newTenant(server);
    const taken = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 })), async (id) => {
        const form = `album%5Bpublic_id%5D=${wellFormed(id) ? encodeURIComponent(id) : id}`;
        const res = await call<{ id: string }>(server, 'POST', '/api/v1/albums', { token: owner.token, form });
        if (!isValidAlbumId(id)) {
          // A lone surrogate cannot be percent-encoded; what it decodes to is no longer the id.
          if (wellFormed(id)) assert.equal(res.status, 400, `${JSON.stringify(id)}: ${res.text}`);
          if (res.status !== 200) assertClientError(res);
          return;
        }
        if (taken.has(id)) return assert.equal(res.status, 409, res.text);
        assert.equal(res.status, 200, `${JSON.stringify(id)}: ${res.text}`);
        assert.equal(res.body.id, id);
        taken.add(id);
        const got = await call<{ id: string }>(server, 'GET', `/api/v1/albums/${encodeURIComponent(id)}`, { token: owner.token });
        assert.equal(got.status, 200, `${JSON.stringify(id)}: ${got.text}`);
        assert.equal(got.body.id, id);
      }),
      httpRuns,
    );
  });
});

describe('tokens', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

  test('any Authorization header or ?token=: a 401 with a JSON error', async () => {
    const header = fc.oneof(headerText, headerText.map((s) => `Token token="${s}"`), headerText.map((s) => `Bearer ${s}`), headerText.map((s) => `Basic ${Buffer.from(s).toString('base64')}`));
    await fc.assert(
      fc.asyncProperty(header, anyText.filter((s) => wellFormed(s)), async (authorization, query) => {
        const byHeader = await call(server, 'GET', '/api/v1/organization', { headers: { Authorization: authorization } });
        assert.equal(byHeader.status, 401, `${authorization}: ${byHeader.text}`);
        assertClientError(byHeader);
        const byQuery = await call(server, 'GET', `/api/v1/organization?token=${encodeURIComponent(query)}`);
        assert.equal(byQuery.status, 401, byQuery.text);
        assertClientError(byQuery);
      }),
      httpRuns,
    );
  });

  test('any JWT-shaped token, signed with the right key or not: a 401 unless its claims are a valid token', async () => {
    const claims = fc.oneof(
      fc.jsonValue(),
      fc.record({ user_id: fc.oneof(fc.constant(tenant.userId), anyText), exp: fc.oneof(fc.integer(), fc.double(), fc.string()), iat: fc.option(fc.integer()), abilities: fc.jsonValue() }, { requiredKeys: [] }),
      fc.record({ iss: anyText, admin: fc.jsonValue(), abilities: fc.jsonValue() }, { requiredKeys: [] }),
    );
    const header = fc.oneof(fc.constant({ typ: 'JWT', alg: 'HS256' }), fc.record({ alg: fc.constantFrom('HS256', 'none', 'HS512', 'RS256'), cty: fc.constant('JWT') }), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(header, claims, fc.boolean(), async (jose, payload, rightKey) => {
        const input = `${b64(jose)}.${b64(payload)}`;
        const signature = createHmac('sha256', rightKey ? server.config.secretKeyBase : 'wrong').update(input).digest('base64url');
        const res = await call(server, 'GET', '/api/v1/organization', { token: `${input}.${signature}` });
        if (res.status === 200) {
          // Only a well-formed, unexpired user token of a known user, correctly signed, opens the API.
          const p = payload as Record<string, unknown>;
          assert.ok(rightKey && p.user_id === tenant.userId && typeof p.exp === 'number' && p.exp > Date.now() / 1000, JSON.stringify(payload));
        } else {
          assertClientError(res);
        }
      }),
      httpRuns,
    );
  });

  test('a valid token round-trips: accepted, and handed back unchanged while young', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 600, max: server.config.maxTokenLifetimeSeconds }), async (ttl) => {
        const token = await tokenWith(server, tenant.userId, {}, ttl);
        const res = await call(server, 'GET', '/api/v1/organization', { token });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get('x-token'), token);
      }),
      httpRuns,
    );
  });
});

describe('multipart upload fields', () => {
  const uploadUrl = () => `${server.url}/v1_1/${server.config.cloudinary.cloudName}/auto/upload`;

  async function post(fields: Array<[string, string]>): Promise<{ status: number; body: unknown; text: string }> {
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    const response = await fetch(uploadUrl(), { method: 'POST', body: form });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the assertion below says so
    }
    return { status: response.status, body, text };
  }

  test('any fields without a file: a 4xx with Cloudinary\'s JSON error, never a 5xx', async () => {
    const name = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('api_key', 'signature', 'timestamp', 'file', 'tags[]', 'public_id', '__proto__', 'constructor'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, anyText.filter((s) => wellFormed(s))), { maxLength: 8 }), async (fields) => {
        assertClientError(await post(fields), 'media');
      }),
      httpRuns,
    );
  });

  test('signed fields of any value arrive exactly as sent (the signature over them verifies)', async () => {
    const value = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => wellFormed(s) && s.trim() === s && s !== '');
    await fc.assert(
      fc.asyncProperty(fc.record({ tags: value, context: value, folder: value }, { requiredKeys: ['tags'] }), async (values) => {
        const params: Record<string, string> = { ...values, timestamp: String(Math.floor(Date.now() / 1000)) };
        const signature = signUploadParams(params, server.config.cloudinary.apiSecret);
        const res = await post([...Object.entries(params), ['api_key', server.config.cloudinary.apiKey], ['signature', signature]]);
        assert.equal(res.status, 400, res.text);
        assert.match(res.text, /Missing required parameter - file/);
      }),
      httpRuns,
    );
  });
});
