import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { streamZip, type ZipEntry, zipLength } from './album-zip.ts';

const run = promisify(execFile);

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface DataEntry extends ZipEntry {
  data: Buffer;
}

const open = async (entry: DataEntry) => Readable.from([entry.data]);

function entries(n: number, size: (i: number) => number): DataEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const data = randomBytes(size(i));
    return { name: `photo ${i}.jpg`, size: data.length, date: new Date(Date.UTC(2021, 6, 1, 12, 0, i % 60)), data };
  });
}

test('the computed length is what archiver writes, names with non-ASCII characters and empty files included', async () => {
  const list = [
    ...entries(5, (i) => i * 1000),
    { name: 'Été à Zürich — 北京.jpg', size: 3, date: new Date(0), data: Buffer.from('abc') },
    { name: 'empty.png', size: 0, date: new Date(Date.UTC(2030, 0, 1)), data: Buffer.alloc(0) },
  ];
  const zip = await bytesOf(streamZip(list, open));
  assert.equal(zip.length, zipLength(list));
});

test('two builds of the same entries give the same bytes, and a range is exactly that slice of them', async () => {
  const list = entries(20, (i) => 10_000 + i * 37);
  const whole = await bytesOf(streamZip(list, open));
  assert.deepEqual(await bytesOf(streamZip(list, open)), whole);
  for (const range of [
    { start: 0, end: 0 },
    { start: 1234, end: 98_765 },
    { start: Math.floor(whole.length / 2), end: whole.length - 1 },
    { start: whole.length - 22, end: whole.length - 1 },
  ]) {
    assert.deepEqual(await bytesOf(streamZip(list, open, range)), whole.subarray(range.start, range.end + 1), JSON.stringify(range));
  }
});

test('the archive passes unzip -t and holds each file byte for byte', async () => {
  const list = entries(3, (i) => 5000 * (i + 1));
  const dir = mkdtempSync(join(tmpdir(), 'album-zip-'));
  try {
    const path = join(dir, 'a.zip');
    writeFileSync(path, await bytesOf(streamZip(list, open)));
    assert.match(execFileSync('unzip', ['-t', path]).toString(), /No errors detected/);
    for (const entry of list) assert.deepEqual(execFileSync('unzip', ['-p', path, entry.name], { maxBuffer: 1 << 24 }), entry.data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('past 65,535 entries the archive is ZIP64, and the length still matches', { timeout: 300_000 }, async () => {
  const list = entries(65_537, () => 1);
  const zip = await bytesOf(streamZip(list, open));
  assert.equal(zip.length, zipLength(list));
  // The ZIP64 end-of-central-directory record and its locator precede the classic end record.
  assert.equal(zip.readUInt32LE(zip.length - 22 - 20), 0x07064b50);
  assert.equal(Number(zip.readBigUInt64LE(zip.length - 22 - 20 - 56 + 32)), 65_537);
  const dir = mkdtempSync(join(tmpdir(), 'album-zip64-'));
  try {
    writeFileSync(join(dir, 'big.zip'), zip);
    const report = execFileSync('unzip', ['-tq', join(dir, 'big.zip')], { maxBuffer: 1 << 26 }).toString();
    assert.match(report, /No errors detected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('past 4 GiB (an entry larger than 4 GiB, and one starting past it) the archive is ZIP64, and unzip -t accepts it', { timeout: 900_000 }, async () => {
  const GiB4 = 2 ** 32;
  const MiB = Buffer.alloc(2 ** 20, 0x5a);
  /** `size` bytes of a repeated 1 MiB block: 4 GiB of data without 4 GiB of memory. */
  const repeated = (size: number) =>
    Readable.from(
      (function* () {
        for (let left = size; left > 0; left -= MiB.length) yield left >= MiB.length ? MiB : MiB.subarray(0, left);
      })(),
    );
  const small = randomBytes(1000);
  const list: ZipEntry[] = [
    { name: 'huge.raw', size: GiB4 + 12_345, date: new Date(Date.UTC(2024, 0, 1)) },
    { name: 'after.jpg', size: small.length, date: new Date(Date.UTC(2024, 0, 2)) },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'album-zip-4g-'));
  try {
    const path = join(dir, 'huge.zip');
    await pipeline(streamZip(list, async (entry) => (entry.name === 'huge.raw' ? repeated(entry.size) : Readable.from([small]))), createWriteStream(path));
    assert.equal(statSync(path).size, zipLength(list));
    const report = (await run('unzip', ['-tq', path], { maxBuffer: 1 << 20 })).stdout;
    assert.match(report, /No errors detected/);
    const listing = (await run('unzip', ['-Zl', path], { maxBuffer: 1 << 20 })).stdout;
    assert.match(listing, new RegExp(`\\b${GiB4 + 12_345}\\b.*huge\\.raw`));
    assert.deepEqual((await run('unzip', ['-p', path, 'after.jpg'], { encoding: 'buffer', maxBuffer: 1 << 20 })).stdout, small);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a source that gives fewer bytes than promised fails the stream', async () => {
  const [entry] = entries(1, () => 100);
  const short = { ...entry!, size: 101 };
  await assert.rejects(bytesOf(streamZip([short], open)), /100 bytes instead of 101/);
});
