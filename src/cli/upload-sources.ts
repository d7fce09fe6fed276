/**
 * What `album-api upload` sends where: files and folders given on the command line (into
 * `--album`, or the last argument as in SharinPix's CLI), and the `path,album` lines of a CSV file (as SharinPix's `multiupload` reads
 * them: a relative path is taken from the CSV's folder).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** One file to upload into one album; `problem` when it cannot be read, said in its line. */
export interface UploadItem {
  path: string;
  album: string;
  /** Kept with the image when it is registered (SharinPix's `upload <path> <album> <JSON>`). */
  metadatas?: Record<string, unknown>;
  problem?: string;
}

/**
 * The files under `path`: the file itself, or a folder's files, recursively, in name order.
 * Hidden entries inside folders (.DS_Store, .git) are left out; a file named outright is not.
 */
async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true }))
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) files.push(...(await filesUnder(join(path, entry.name))));
  return files;
}

/** Every file of `paths` into `album`; a path that cannot be read becomes one item with its problem. */
export async function itemsFromPaths(paths: string[], album: string, metadatas?: Record<string, unknown>): Promise<UploadItem[]> {
  const items: UploadItem[] = [];
  for (const path of paths) {
    try {
      for (const file of await filesUnder(path)) items.push({ path: file, album, ...(metadatas ? { metadatas } : {}) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      items.push({ path, album, problem: code === 'ENOENT' ? 'no such file or folder' : (err as Error).message });
    }
  }
  return items;
}

/** `text` as a JSON object, or null. */
function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isPath = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * SharinPix's CLI form, `upload <path> <album> [<JSON metadatas>]`: the last of two or more
 * arguments names the album when no file or folder has that name, unless it is a JSON object
 * (the metadatas), then the one before it does. Null when every argument is a path.
 */
export async function trailingAlbum(
  args: string[],
): Promise<{ paths: string[]; album: string; metadatas?: Record<string, unknown> } | null> {
  const last = args.at(-1);
  if (args.length < 2 || last === undefined || (await isPath(last))) return null;
  const metadatas = args.length >= 3 ? jsonObject(last) : null;
  if (!metadatas) return { paths: args.slice(0, -1), album: last };
  const album = args.at(-2)!;
  return (await isPath(album)) ? null : { paths: args.slice(0, -2), album, metadatas };
}

/** The fields of one CSV line: commas separate, double quotes enclose, "" is a quote. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/**
 * The items of a CSV of `path,album` lines. Blank lines and a `path,album` header are
 * skipped; a line without both fields is a usage error naming its number.
 */
export async function itemsFromCsv(csvPath: string): Promise<UploadItem[]> {
  const base = dirname(resolve(csvPath));
  const lines = (await readFile(csvPath, 'utf8')).split(/\r?\n/);
  const items: UploadItem[] = [];
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const [path = '', album = ''] = csvFields(line);
    if (index === 0 && path.toLowerCase() === 'path' && album.toLowerCase() === 'album') continue;
    if (!path || !album) throw new Error(`${csvPath} line ${index + 1}: expected "path,album", got "${line}"`);
    if (/^https?:\/\//.test(path)) throw new Error(`${csvPath} line ${index + 1}: URL imports are not supported, only files`);
    items.push(...(await itemsFromPaths([resolve(base, path)], album)));
  }
  return items;
}
