/**
 * Prompt freeing of the buffers a long download passes through.
 *
 * Every byte a ZIP sends was read into a fresh Buffer (from the disk or an S3 socket) that
 * is dead a moment later, along with the few stream objects that carried it. V8 frees a dead
 * Buffer's memory only when a collection reaches its small JavaScript object: a scavenge
 * runs once the young generation (up to 16 MiB per semi-space by default, which a server
 * grows to early) fills, and objects that happened to be in flight at two scavenges move to
 * the old generation, collected only by a full collection, which V8 starts when that
 * generation or the external memory (about 64 MiB more) has grown enough. Measured on a
 * 96 MB ZIP, the server's RSS rose by 40 to 90 MB that way. Asking for a scavenge every
 * SCAVENGE_EVERY bytes sent, and every MAJOR_EVERY-th time for an incremental full
 * collection instead, kept it within about 15 MB (test/scale/album-zip.test.ts); a
 * scavenge costs about a millisecond, the full collection's steps spread over the next
 * milliseconds.
 *
 * Node exposes no collection API without `--expose-gc`; the flag set at run time exposes
 * `gc` in new contexts only, so it is taken from one and nothing else changes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes sent between two collections. */
export const SCAVENGE_EVERY = 2 * 1024 * 1024;
/** Every this many collections, a full one (32 MiB sent). */
const MAJOR_EVERY = 16;

type Gc = (options: { type: 'minor' | 'major'; execution: 'sync' | 'async' }) => void;

let gc: Gc | null = null;

function collector(): Gc {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  }
  return gc;
}

/** Counts the bytes one download sent and asks for collections as they go. */
export class ScavengeCounter {
  private since = 0;
  private collections = 0;

  sent(bytes: number): void {
    this.since += bytes;
    if (this.since < SCAVENGE_EVERY) return;
    this.since = 0;
    this.collections += 1;
    if (this.collections % MAJOR_EVERY === 0) collector()({ type: 'major', execution: 'async' });
    else collector()({ type: 'minor', execution: 'sync' });
  }
}
