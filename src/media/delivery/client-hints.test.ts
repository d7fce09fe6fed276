import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClientHints } from './client-hints.ts';

test('w_auto and dpr_auto take the Client Hints, rounded as Cloudinary rounds them', () => {
  const hints = { 'sec-ch-dpr': '2', 'sec-ch-width': '730' };
  assert.deepEqual(resolveClientHints('c_scale,w_auto', hints, 4), { transformation: 'c_scale,w_800', used: true });
  assert.equal(resolveClientHints('c_scale,dpr_auto,w_auto', hints, 4).transformation, 'c_scale,dpr_2,w_400');
  assert.equal(resolveClientHints('c_scale,w_auto:50', { width: '730' }, 4).transformation, 'c_scale,w_750');
  assert.equal(resolveClientHints('dpr_auto', { dpr: '9' }, 4).transformation, 'dpr_4');
});

test('without hints: dpr_auto is 1, w_auto its fallback or no resize; other transformations are untouched', () => {
  assert.equal(resolveClientHints('c_scale,dpr_auto,w_auto:100:640', {}, 4).transformation, 'c_scale,dpr_1,w_640');
  assert.equal(resolveClientHints('w_auto/e_sepia', {}, 4).transformation, 'e_sepia');
  assert.deepEqual(resolveClientHints('c_fill,w_10', { width: '999' }, 4), { transformation: 'c_fill,w_10', used: false });
  assert.throws(() => resolveClientHints('w_auto:0', { width: '10' }, 4), /step/);
});
