import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeEqual } from './safe-equal.ts';

test('safeEqual: true only for the same string, whatever the lengths', () => {
  assert.equal(safeEqual('a1b2c3', 'a1b2c3'), true);
  assert.equal(safeEqual('', ''), true);
  assert.equal(safeEqual('a1b2c3', 'a1b2c4'), false);
  assert.equal(safeEqual('a1b2c3', 'a1b2c'), false);
  assert.equal(safeEqual('', 'x'), false);
  // Compared as UTF-8 bytes: 'é' is two of them, 'e' one.
  assert.equal(safeEqual('café', 'café'), true);
  assert.equal(safeEqual('café', 'cafe'), false);
});
