import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile, open } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { type ByteRange, ObjectStore, type StoredObject } from './object-store.ts';

/**
 * Bytes per read of a stream. Each read is a round trip to libuv's thread pool; at Node's
 * default 64 KiB those round trips, not the disk, bounded a ZIP of originals (about 120 MB/s
 * here, against 170 MB/s at 1 MiB).
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Objects as files under one root directory on the local disk. */
export class LocalDiskStore extends ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  /** Resolves a key inside the root; a key that would climb out (`../`) is refused. */
  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (path !== this.root && !path.startsWith(this.root + sep)) throw new Error(`key escapes the store: ${key}`);
    return path;
  }

  private async commit(tmp: string, path: string): Promise<void> {
    // fsync before rename so that a crash after an answered upload never leaves an empty file.
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  }

  async putFile(key: string, localPath: string): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      await rename(localPath, tmp);
    } catch {
      await copyFile(localPath, tmp); // across filesystems
      await unlink(localPath).catch(() => {});
    }
    await this.commit(tmp, path);
    return { key, size: (await stat(path)).size };
  }

  async putBuffer(key: string, data: Buffer): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await this.commit(tmp, path);
    return { key, size: data.length };
  }

  async getBuffer(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable | null> {
    const path = this.pathOf(key);
    if (!(await this.stat(key))) return null;
    return createReadStream(path, { ...range, highWaterMark: READ_CHUNK_BYTES });
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const base = this.pathOf(prefix);
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        // Absent, or a file rather than a directory: nothing under it.
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw err;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (!entry.name.endsWith('.tmp')) {
          out.push({ key: relative(this.root, path).split(sep).join('/'), size: (await stat(path)).size });
        }
      }
    };
    await walk(base);
    return out;
  }
}
