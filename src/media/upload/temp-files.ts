/**
 * Temp files of uploads being received (DATA_DIR/tmp). A process killed mid-upload (kill -9,
 * a crash, a power cut) leaves its temp file behind; the next start sweeps them. Only files
 * older than the longest a request may take (REQUEST_TIMEOUT_MS) go: a younger one may be an
 * upload in flight in another process sharing the data dir.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Removes the files in `dir` last written more than `olderThanMs` ago; returns how many. */
export async function sweepStaleTempFiles(dir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile() || now - info.mtimeMs <= olderThanMs) continue;
    await rm(path, { force: true });
    removed++;
  }
  return removed;
}
