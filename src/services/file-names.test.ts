import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeFileName, UniqueNames } from './file-names.ts';

test('names keep what was uploaded, minus what is unsafe anywhere', () => {
  assert.equal(safeFileName('IMG_0001.JPG', 'x', 'jpg'), 'IMG_0001.JPG');
  assert.equal(safeFileName('../../etc/passwd', 'x', 'jpg'), 'passwd.jpg');
  assert.equal(safeFileName('C:\\photos\\a.png', 'x', 'png'), 'a.png');
  assert.equal(safeFileName('a:b*c?"<>|.jpg', 'x', 'jpg'), 'a_b_c_____.jpg');
  assert.equal(safeFileName('.hidden', 'x', 'jpg'), 'hidden.jpg');
  assert.equal(safeFileName('nul.jpg', 'x', 'jpg'), 'nul_.jpg');
  assert.equal(safeFileName('line\nbreak\u0000.jpg', 'x', 'jpg'), 'line_break_.jpg');
  assert.equal(safeFileName(null, 'abc123', 'webp'), 'abc123.webp');
  assert.equal(safeFileName('   ', 'abc123', 'webp'), 'abc123.webp');
  assert.equal(safeFileName('Été.jpeg', 'x', 'jpg'), 'Été.jpeg');
  const long = safeFileName(`${'é'.repeat(300)}.jpg`, 'x', 'jpg');
  assert.ok(Buffer.byteLength(long) <= 200 && long.endsWith('é.jpg'), long);
});

test('repeats are numbered, case ignored, the same way every time', () => {
  const run = () => {
    const names = new UniqueNames();
    return ['a.jpg', 'A.JPG', 'a.jpg', 'a (2).jpg', 'b.png'].map((n) => names.take(n));
  };
  assert.deepEqual(run(), ['a.jpg', 'A (2).JPG', 'a (3).jpg', 'a (2) (2).jpg', 'b.png']);
  assert.deepEqual(run(), run());
});
