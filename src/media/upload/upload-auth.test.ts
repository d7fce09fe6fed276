import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaError as AppError } from '../media-error.ts';
import { signUploadParams } from '../signing.ts';
import { checkSignedBeforeFile, checkUploadAuth, checkUploadAuthBeforeFile, UPLOAD_FORM_LIFETIME_SECONDS } from './upload-auth.ts';

const credentials = { apiKey: '123', apiSecret: 'shh' };
const now = 1_800_000_000;

function signed(params: Record<string, string>): Record<string, string> {
  return { ...params, api_key: '123', signature: signUploadParams(params, 'shh') };
}

function refusal(params: Record<string, string>): string {
  try {
    checkUploadAuth(params, credentials, now);
  } catch (err) {
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 401);
    return err.message;
  }
  assert.fail('accepted');
}

test('a properly signed request with a future timestamp (a form) is accepted', () => {
  checkUploadAuth(signed({ timestamp: String(now + 604800), tags: 'a', public_id: 'p' }), credentials, now);
  checkUploadAuth(signed({ timestamp: String(now - 3599) }), credentials, now);
});

test('wrong key, missing or wrong signature, tampered params, stale timestamp are refused', () => {
  assert.match(refusal({ ...signed({ timestamp: String(now) }), api_key: '999' }), /Unknown API key/);
  assert.match(refusal({ timestamp: String(now), api_key: '123' }), /signature/);
  assert.match(refusal({ ...signed({ timestamp: String(now), tags: 'a' }), tags: 'b' }), /Invalid Signature/);
  assert.match(refusal(signed({ timestamp: String(now - 3601) })), /Stale request/);
  assert.match(refusal({ ...signed({ timestamp: String(now) }), signature: 'x'.repeat(40) }), /Invalid Signature/);
});

test('a timestamp further ahead than a form lifetime (plus clock skew) is refused', () => {
  checkUploadAuth(signed({ timestamp: String(now + UPLOAD_FORM_LIFETIME_SECONDS + 60) }), credentials, now);
  assert.match(refusal(signed({ timestamp: String(now + UPLOAD_FORM_LIFETIME_SECONDS + 3600) })), /ahead/);
  assert.match(refusal(signed({ timestamp: String(now + 10 * 365 * 86400) })), /ahead/);
});

test('before the file: params that came first must be the whole signed set; none yet is fine', () => {
  checkSignedBeforeFile({}, credentials, now);
  checkSignedBeforeFile(signed({ timestamp: String(now), tags: 'a' }), credentials, now);
  assert.throws(() => checkSignedBeforeFile({ timestamp: String(now), tags: 'a' }, credentials, now), /api_key/);
  const { tags: _late, ...early } = signed({ timestamp: String(now), tags: 'a' });
  assert.throws(() => checkSignedBeforeFile(early, credentials, now), /Invalid Signature/);
  assert.throws(() => checkSignedBeforeFile({ upload_preset: 'open' }, credentials, now), /api_key/, 'no preset passes a signed-only check');
});

test('before an upload\'s file: an unsigned one must name an existing unsigned preset', async () => {
  const presets = { open: { unsigned: true }, signed_only: { unsigned: false } } as Record<string, { unsigned: boolean }>;
  const lookup = async (name: string) => presets[name] ?? null;
  await checkUploadAuthBeforeFile({ upload_preset: 'open', tags: 'a' }, credentials, lookup, now);
  await checkUploadAuthBeforeFile(signed({ timestamp: String(now), upload_preset: 'signed_only' }), credentials, lookup, now);
  const refusal = async (params: Record<string, string>) => {
    try {
      await checkUploadAuthBeforeFile(params, credentials, lookup, now);
    } catch (err) {
      assert.ok(err instanceof AppError);
      return [err.status, err.message];
    }
    assert.fail('accepted');
  };
  assert.deepEqual(await refusal({ upload_preset: 'nope' }), [400, 'Upload preset not found: nope']);
  assert.deepEqual(await refusal({ upload_preset: 'signed_only' }), [401, 'Upload preset must be whitelisted for unsigned uploads']);
  assert.equal((await refusal({ timestamp: String(now), tags: 'a' }))[0], 401);
});
