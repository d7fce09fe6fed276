/**
 * Album ZIPs, streamed with archiver and stored (method 0, no recompression: photos do not
 * shrink), so that the archive's exact length follows from the entries' names and sizes
 * alone and is sent as Content-Length before the first byte. Entries come in a fixed order
 * with fixed dates, so two builds of the same entries give the same bytes, which is what lets
 * a cut download resume with `Range`.
 *
 * `zipLength` mirrors what archiver 8 (zip-stream 7 over compress-commons 6) writes for a
 * streamed, stored entry: a local header with the data-descriptor flag and no extra field,
 * the data, a data descriptor (ZIP64-sized for an entry past 4 GiB), then one central
 * header per entry (with a 28-byte ZIP64 extra for an entry past 4 GiB or starting past
 * 4 GiB), the ZIP64 end records when there are more than 65,535 entries or the central
 * directory lies or reaches past 4 GiB, and the end record. album-zip.test.ts checks the
 * formula against archiver's real output, past 65,535 entries and past 4 GiB too.
 *
 * Memory: file data passes through in stream-sized chunks, with the entry being written and
 * the next one open, freed promptly (prompt-scavenge.ts); archiver keeps a small record per
 * entry for the central directory, as any ZIP writer must.
 */
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import type { ByteRange } from '../storage/object-store.ts';
import { ScavengeCounter } from './prompt-scavenge.ts';

/** One file of the archive. */
export interface ZipEntry {
  /** A safe, unique name (see zip-entry-names.ts). */
  name: string;
  /** Exact byte length of the data `open` gives. */
  size: number;
  /** Shown as the file's modification time (stored to the second, in UTC). */
  date: Date;
}

const ZIP64_LIMIT = 0xffffffff;
const MAX_ENTRIES_WITHOUT_ZIP64 = 0xffff;
const LOCAL_HEADER = 30;
const DATA_DESCRIPTOR = 16;
const DATA_DESCRIPTOR_ZIP64 = 24;
const CENTRAL_HEADER = 46;
const CENTRAL_ZIP64_EXTRA = 28;
const END_RECORD = 22;
const ZIP64_END_RECORD_AND_LOCATOR = 56 + 20;

/** The exact length of the archive `streamZip` writes for `entries`. */
export function zipLength(entries: Iterable<Pick<ZipEntry, 'name' | 'size'>>): number {
  let offset = 0;
  let central = 0;
  let count = 0;
  for (const entry of entries) {
    const nameBytes = Buffer.byteLength(entry.name);
    const big = entry.size > ZIP64_LIMIT;
    central += CENTRAL_HEADER + nameBytes + (big || offset > ZIP64_LIMIT ? CENTRAL_ZIP64_EXTRA : 0);
    offset += LOCAL_HEADER + nameBytes + entry.size + (big ? DATA_DESCRIPTOR_ZIP64 : DATA_DESCRIPTOR);
    count += 1;
  }
  const zip64 = count > MAX_ENTRIES_WITHOUT_ZIP64 || central > ZIP64_LIMIT || offset > ZIP64_LIMIT;
  return offset + central + (zip64 ? ZIP64_END_RECORD_AND_LOCATOR : 0) + END_RECORD;
}

/** Opens an entry's data (exactly `size` bytes). */
export type OpenEntry<E extends ZipEntry> = (entry: E) => Promise<Readable>;

/** Fails the stream when its data is not exactly `expected` bytes (the length was promised). */
class ExactLength extends Transform {
  private seen = 0;

  constructor(
    private readonly expected: number,
    private readonly name: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) done(new Error(`${this.name}: more than the ${this.expected} bytes expected`));
    else done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.seen === this.expected ? null : new Error(`${this.name}: ${this.seen} bytes instead of ${this.expected}`));
  }
}

/** Passes bytes `start` to `end` (inclusive) of what flows through, then ends and says `full`. */
class ByteWindow extends Transform {
  private position = 0;
  private complete = false;

  constructor(private readonly range: ByteRange) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.complete) return done();
    const from = this.position;
    this.position += chunk.length;
    const start = Math.max(this.range.start - from, 0);
    const end = Math.min(this.range.end + 1 - from, chunk.length);
    if (end > start) this.push(chunk.subarray(start, end));
    if (this.position > this.range.end) {
      this.complete = true;
      this.push(null);
      this.emit('full');
    }
    done();
  }
}

/**
 * The archive of `entries`, in their order, or the `range` of it. Entries are opened one at a
 * time, as archiver reaches them. A source that fails or delivers another length than its
 * `size` fails the stream (the client sees a cut download, never a wrong archive).
 *
 * A range still builds the archive from its start (each entry's CRC-32, written after its
 * data, needs every byte) but sends only the window, and stops building once it is sent.
 */
export function streamZip<E extends ZipEntry>(entries: readonly E[], open: OpenEntry<E>, range?: ByteRange): Readable {
  const archive = new ZipArchive({ store: true, forceLocalTime: false });
  const out = range ? new ByteWindow(range) : new PassThrough();
  let next = 0;
  let current: PassThrough | null = null;
  let stopped = false;
  /** The next entry's source, opened one entry ahead. */
  let ahead: Promise<Readable> | null = null;
  const prefetch = (entry: E): Promise<Readable> => {
    const opened = open(entry).then((source) => {
      source.read(0);
      return source;
    });
    // Its failure is handled when its turn comes (or dropped when the build stopped before).
    opened.catch(() => {});
    return opened;
  };
  /** Stops building: the window is full, the client went away, or (with `error`) a source failed. */
  const stop = (error?: unknown) => {
    if (stopped) return;
    stopped = true;
    archive.unpipe(out);
    archive.abort();
    current?.destroy();
    ahead?.then((source) => source.destroy(), () => {});
    if (error) out.destroy(error instanceof Error ? error : new Error(String(error)));
  };
  const feed = () => {
    if (stopped) return;
    if (next === entries.length) {
      archive.finalize().catch(stop);
      return;
    }
    const entry = entries[next++]!;
    // archiver takes a stream at once; the source behind it was opened (and its first chunk
    // asked for) while the previous entry streamed, so reading and checksumming overlap.
    const data = new PassThrough();
    current = data;
    archive.append(data, { name: entry.name, date: entry.date, store: true });
    const opened = ahead ?? prefetch(entry);
    ahead = next < entries.length ? prefetch(entries[next]!) : null;
    opened.then(
      (source) => {
        if (stopped) return source.destroy();
        pipeline(source, new ExactLength(entry.size, entry.name), data).catch(stop);
      },
      stop,
    );
  };
  const scavenges = new ScavengeCounter();
  archive.on('data', (chunk: Buffer) => scavenges.sent(chunk.length));
  archive.on('entry', feed);
  archive.on('error', stop);
  archive.on('warning', stop);
  out.on('full', () => stop());
  out.on('close', () => stop());
  archive.pipe(out);
  feed();
  return out;
}
