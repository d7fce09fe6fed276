import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  signDeliveryPath,
  signNotification,
  signUploadParams,
  uploadStringToSign,
  verifyNotification,
  verifyUploadSignature,
} from './signing.ts';

test("Cloudinary's published upload-signature vector", () => {
  assert.equal(
    signUploadParams({ public_id: 'sample_image', timestamp: 1315060510 }, 'abcd'),
    'b4ad47fb4e25c7bf5f92a20089f9db59bc302313',
  );
});

test('unsigned params are left out, blanks dropped, arrays joined, & escaped', () => {
  assert.equal(
    uploadStringToSign({ file: 'x', api_key: 'k', tags: ['a', 'b'], eager: '', context: 'a=1&b=2', timestamp: 1 }),
    'context=a=1%26b=2&tags=a,b&timestamp=1',
  );
});

test('upload signature verification picks SHA-256 by length or by param', () => {
  const params = { public_id: 'p', timestamp: 10 };
  const sha256 = signUploadParams(params, 's', 'sha256');
  assert.equal(sha256.length, 64);
  assert.ok(verifyUploadSignature({ ...params, signature: sha256 }, 's'));
  assert.ok(verifyUploadSignature({ ...params, signature: signUploadParams(params, 's') }, 's'));
  assert.ok(!verifyUploadSignature({ ...params, signature: signUploadParams(params, 'other') }, 's'));
  assert.ok(!verifyUploadSignature({ ...params, timestamp: 11, signature: signUploadParams(params, 's') }, 's'));
});

test("Cloudinary's published URL-signature vector", () => {
  assert.equal(signDeliveryPath('c_crop,h_20,w_10/image.jpg', 'b'), 'Ai4Znfl3');
});

test('notification signatures verify within two hours only', () => {
  const now = 1_700_000_000;
  const sig = signNotification('{"a":1}', now, 'sec');
  assert.ok(verifyNotification('{"a":1}', String(now), sig, 'sec', now + 60));
  assert.ok(!verifyNotification('{"a":2}', String(now), sig, 'sec', now + 60));
  assert.ok(!verifyNotification('{"a":1}', String(now), sig, 'sec', now + 7201));
  assert.ok(!verifyNotification('{"a":1}', String(now), undefined, 'sec', now));
});
