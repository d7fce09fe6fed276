/**
 * `album-api upload <files or folders...> --album ID` (or SharinPix's `upload <path> <album>`)
 * and `--csv FILE` (`path,album` lines): uploads through each album's signed form, a few
 * files at once, files over `--chunk-size` in chunks, one line per file as it ends and a
 * summary; on a terminal, a progress bar per file being sent too; `--json` prints one JSON
 * document instead, for scripts. Any failed file makes the exit code 1. The token is the one
 * `album-api token` would print (same flags), the address the server's PUBLIC_URL.
 */
import { loadConfig } from '../config.ts';
import { limit } from '../media/concurrency.ts';
import { withServices, tokenFor } from './account-commands.ts';
import { AlbumUploader, DEFAULT_CHUNK_BYTES, type UploadedImage } from './album-uploader.ts';
import { type Flags, optional } from './args.ts';
import { ProgressBars } from './upload-progress.ts';
import { itemsFromCsv, itemsFromPaths, trailingAlbum, type UploadItem } from './upload-sources.ts';

/** Files sent at once: enough to keep the host busy, few enough not to fight over the uplink. */
const DEFAULT_CONCURRENCY = 4;

type Outcome = ({ ok: true; image: UploadedImage } | { ok: false; error: string }) & UploadItem;

const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** Why a call failed, in words: fetch's own "fetch failed" hides the reason in its cause. */
function reason(err: unknown): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  if (error.message === 'fetch failed' && error.cause) return `cannot reach the server (${error.cause.code ?? error.cause.message})`;
  return error.message;
}

async function itemsOf(flags: Flags, args: string[]): Promise<UploadItem[]> {
  const named = optional(flags, 'album');
  const trailing = named === undefined ? await trailingAlbum(args) : null;
  const album = named ?? trailing?.album;
  const paths = trailing?.paths ?? args;
  const csv = optional(flags, 'csv');
  if (paths.length && !album) throw new Error('name the album: --album ID, or last, as in "upload <files or folders...> <album>"');
  if (!paths.length && !csv) throw new Error('give files or folders and --album ID, or --csv FILE of "path,album" lines');
  if (album && !paths.length) throw new Error('--album needs files or folders to upload');
  const items = album ? await itemsFromPaths(paths, album, trailing?.metadatas) : [];
  if (csv) items.push(...(await itemsFromCsv(csv)));
  if (!items.length) throw new Error('nothing to upload: the folders are empty');
  return items;
}

function concurrencyOf(flags: Flags): number {
  const raw = optional(flags, 'concurrency');
  const n = raw === undefined ? DEFAULT_CONCURRENCY : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error('--concurrency must be an integer from 1 to 32');
  return n;
}

function chunkBytesOf(flags: Flags): number {
  const raw = optional(flags, 'chunk-size');
  const n = raw === undefined ? DEFAULT_CHUNK_BYTES : Number(raw);
  if (!Number.isInteger(n) || n < 1024) throw new Error('--chunk-size must be a number of bytes, at least 1024');
  return n;
}

export async function uploadCommand(flags: Flags, args: string[]): Promise<void> {
  const items = await itemsOf(flags, args);
  const concurrency = concurrencyOf(flags);
  const config = loadConfig();
  const token = await withServices((services) => tokenFor(services, flags));
  const uploader = new AlbumUploader(`${config.publicUrl}/api/v1`, token, chunkBytesOf(flags));
  const json = flags.json === true;
  const bars = !json && process.stdout.isTTY ? new ProgressBars(process.stdout) : null;
  const width = String(items.length).length;
  let done = 0;
  const report = (key: number, outcome: Outcome) => {
    done++;
    if (json) return;
    const counter = `[${String(done).padStart(width)}/${items.length}]`;
    const [stream, line] = outcome.ok
      ? [process.stdout, `${counter} in the album  ${outcome.path} → ${outcome.album} (image ${outcome.image.id}, ${kilobytes(outcome.image.size)})`]
      : [process.stderr, `${counter} failed        ${outcome.path} → ${outcome.album}: ${outcome.error}`];
    if (bars) bars.print(key, stream, line);
    else stream.write(`${line}\n`);
  };

  const started = process.hrtime.bigint();
  const limited = limit(concurrency);
  const outcomes = await Promise.all(
    items.map((item, key) =>
      limited(async (): Promise<Outcome> => {
        let outcome: Outcome;
        if (item.problem) outcome = { ...item, ok: false, error: item.problem };
        else {
          try {
            const progress = bars ? (sent: number, total: number) => bars.update(key, item.path, sent, total) : undefined;
            outcome = { ...item, ok: true, image: await uploader.upload(item.path, item.album, progress, item.metadatas) };
          } catch (err) {
            outcome = { ...item, ok: false, error: reason(err) };
          }
        }
        report(key, outcome);
        return outcome;
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const uploaded = outcomes.filter((o) => o.ok);
  const failed = outcomes.length - uploaded.length;
  if (json) {
    const files = outcomes.map((o) =>
      o.ok
        ? { path: o.path, album: o.album, ok: true, image_id: o.image.id, public_id: o.image.public_id, bytes: o.image.size }
        : { path: o.path, album: o.album, ok: false, error: o.error },
    );
    console.log(JSON.stringify({ uploaded: uploaded.length, failed, files }, null, 2));
  } else {
    const bytes = uploaded.reduce((sum, o) => sum + (o.ok ? o.image.size : 0), 0);
    const albums = new Set(uploaded.map((o) => o.album)).size;
    console.log(
      `${uploaded.length} of ${outcomes.length} files uploaded into ${albums} ${albums === 1 ? 'album' : 'albums'} ` +
        `(${kilobytes(bytes)} in ${seconds.toFixed(1)} s)${failed ? `; ${failed} failed` : ''}`,
    );
  }
  if (failed) process.exitCode = 1;
}
