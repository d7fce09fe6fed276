import type { Readable } from 'node:stream';

/** Metadata of a stored object. */
export interface StoredObject {
  key: string;
  size: number;
}

/** Bytes `start` to `end` of an object, both inclusive (as in an HTTP Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where originals and derived files live: local disk by default (LocalDiskStore), an S3
 * bucket when STORAGE_URL says so (S3Store). Every API process and worker of one deployment
 * must see the same store. Keys are relative, `/`-separated paths; implementations refuse keys
 * that would escape their root.
 */
export abstract class ObjectStore {
  /** Moves a finished local temp file under `key`, atomically: readers never see half a file. */
  abstract putFile(key: string, localPath: string, contentType?: string): Promise<StoredObject>;
  /** Writes bytes under `key`, atomically. */
  abstract putBuffer(key: string, data: Buffer, contentType?: string): Promise<StoredObject>;
  /** The object's bytes, or null when absent. */
  abstract getBuffer(key: string): Promise<Buffer | null>;
  /** A stream of the object (or of `range` of it, which must lie inside it), or null when absent. */
  abstract getStream(key: string, range?: ByteRange): Promise<Readable | null>;
  /** Size of the object, or null when absent. */
  abstract stat(key: string): Promise<StoredObject | null>;
  /** Removes the object; absent is not an error. */
  abstract delete(key: string): Promise<void>;
  /** Every object under the "directory" `prefix` (`a/b` lists `a/b/...`); '' lists everything. */
  abstract list(prefix: string): Promise<StoredObject[]>;
  /** Releases connections, if the store holds any. */
  async close(): Promise<void> {}
}
