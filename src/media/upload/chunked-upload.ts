/**
 * Chunked uploads, the protocol of the SDK's `upload_large`: each chunk is a normal signed
 * upload request carrying `X-Unique-Upload-Id` and `Content-Range: bytes <first>-<last>/<total>`
 * (`/-1` until the last chunk, which tells the total). Chunks are kept on disk (never in
 * memory) under the upload id, may come in any order or twice, and a missing one may be sent
 * later; once every byte up to the total is there they are joined into one file, which is
 * then checked and analysed as a whole upload. Uploads left unfinished for a day are swept
 * when the host starts and whenever a new chunked upload begins.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { badRequest, payloadTooLarge } from '../media-error.ts';
import type { ReceivedFile } from './receive-upload.ts';

/** Chunks of an upload that saw no new chunk for this long are removed. */
export const ABANDONED_CHUNKS_MS = 24 * 3600 * 1000;

const RANGE = /^bytes (\d+)-(\d+)\/(-1|\d+)$/;
const UPLOAD_ID = /^[\w-]{1,128}$/;

/** A chunk's place in the whole file. */
export interface ChunkRange {
  first: number;
  last: number;
  /** null until the last chunk tells it. */
  total: number | null;
}

export function parseContentRange(header: string): ChunkRange {
  const match = RANGE.exec(header.trim());
  if (!match) throw badRequest(`Invalid Content-Range header: ${header}`);
  const first = Number(match[1]);
  const last = Number(match[2]);
  const total = match[3] === '-1' ? null : Number(match[3]);
  if (last < first || (total !== null && last >= total)) throw badRequest(`Invalid Content-Range header: ${header}`);
  return { first, last, total };
}

/** What adding a chunk led to: still waiting, or the whole file (the caller removes it with `done`). */
export type ChunkOutcome =
  | { complete: false; received: number }
  | { complete: true; file: ReceivedFile; done(): Promise<void> };

export class ChunkedUploads {
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  private uploadDir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw badRequest('Invalid X-Unique-Upload-Id header');
    // Hashed, so that ids from different clients cannot name each other's folders by accident.
    return join(this.dir, createHash('sha256').update(uploadId).digest('hex').slice(0, 40));
  }

  /** Removes the chunks of uploads abandoned for ABANDONED_CHUNKS_MS; returns how many went. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const entry of await readdir(this.dir, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory()) continue;
      const path = join(this.dir, entry.name);
      const info = await stat(path).catch(() => null);
      if (info && now - info.mtimeMs > ABANDONED_CHUNKS_MS) {
        await rm(path, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }

  /** Adds one received chunk (its temp file is moved away); joins the file when it is whole. */
  async add(uploadId: string, range: ChunkRange, chunk: ReceivedFile, filename: string): Promise<ChunkOutcome> {
    const dir = this.uploadDir(uploadId);
    if (chunk.bytes !== range.last - range.first + 1) {
      throw badRequest(`Chunk size ${chunk.bytes} does not match Content-Range ${range.first}-${range.last}`);
    }
    if (range.last + 1 > this.maxBytes || (range.total ?? 0) > this.maxBytes) {
      throw payloadTooLarge(`File size too large. Maximum is ${this.maxBytes} bytes.`);
    }
    const fresh = !(await stat(dir).catch(() => null));
    if (fresh) {
      await this.sweep();
      await mkdir(dir, { recursive: true });
    }
    if (range.total !== null) {
      const known = await readFile(join(dir, 'total'), 'utf8').catch(() => null);
      if (known !== null && Number(known) !== range.total) throw badRequest('Content-Range total differs from an earlier chunk');
      await writeFile(join(dir, 'total'), String(range.total));
      await writeFile(join(dir, 'filename'), filename);
    }
    // A chunk sent twice lands on the same name: the second simply replaces the first.
    await rename(chunk.path, join(dir, `${range.first}-${range.last}.part`));

    const total = Number(await readFile(join(dir, 'total'), 'utf8').catch(() => NaN));
    const parts = (await readdir(dir))
      .map((name) => /^(\d+)-(\d+)\.part$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ first: Number(m[1]), last: Number(m[2]), name: m[0] }))
      .sort((a, b) => a.first - b.first || b.last - a.last);
    let covered = 0;
    for (const part of parts) if (part.first <= covered) covered = Math.max(covered, part.last + 1);
    if (!Number.isFinite(total) || covered < total) return { complete: false, received: covered };

    // Only one request joins the file, even when the last two chunks arrive together.
    try {
      await mkdir(join(dir, 'joining'));
    } catch {
      return { complete: false, received: covered };
    }
    const path = join(dir, 'whole');
    const md5 = createHash('md5');
    let written = 0;
    // One pipeline for the whole file (a pipeline per part into one stream leaves listeners behind).
    async function* joined() {
      for (const part of parts) {
        if (part.last < written) continue;
        for await (const data of createReadStream(join(dir, part.name), { start: written - part.first })) {
          md5.update(data as Buffer);
          written += (data as Buffer).length;
          yield data as Buffer;
        }
      }
    }
    await pipeline(joined, createWriteStream(path));
    const name = (await readFile(join(dir, 'filename'), 'utf8').catch(() => null)) ?? filename;
    return {
      complete: true,
      file: { path, filename: name, bytes: written, md5: md5.digest('hex') },
      done: () => rm(dir, { recursive: true, force: true }),
    };
  }
}
