/**
 * `album-api upload <files or folders...> --album ID` and `--csv FILE` (`path,album` lines):
 * uploads through each album's signed form, a few files at once, one line per file as it
 * ends and a summary; `--json` prints one JSON document instead, for scripts. Any failed
 * file makes the exit code 1. The token is the one `album-api token` would print (same
 * flags), the address the server's PUBLIC_URL.
 */
import { loadConfig } from '../config.ts';
import { limit } from '../media/concurrency.ts';
import { withServices, tokenFor } from './account-commands.ts';
import { AlbumUploader, type UploadedImage } from './album-uploader.ts';
import { type Flags, optional } from './args.ts';
import { itemsFromCsv, itemsFromPaths, type UploadItem } from './upload-sources.ts';

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

async function itemsOf(flags: Flags, paths: string[]): Promise<UploadItem[]> {
  const album = optional(flags, 'album');
  const csv = optional(flags, 'csv');
  if (paths.length && !album) throw new Error('--album is required with files or folders');
  if (!paths.length && !csv) throw new Error('give files or folders and --album ID, or --csv FILE of "path,album" lines');
  if (album && !paths.length) throw new Error('--album needs files or folders to upload');
  const items = album ? await itemsFromPaths(paths, album) : [];
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

export async function uploadCommand(flags: Flags, paths: string[]): Promise<void> {
  const items = await itemsOf(flags, paths);
  const concurrency = concurrencyOf(flags);
  const config = loadConfig();
  const token = await withServices((services) => tokenFor(services, flags));
  const uploader = new AlbumUploader(`${config.publicUrl}/api/v1`, token);
  const json = flags.json === true;
  const width = String(items.length).length;
  let done = 0;
  const report = (outcome: Outcome) => {
    done++;
    if (json) return;
    const counter = `[${String(done).padStart(width)}/${items.length}]`;
    if (outcome.ok) {
      console.log(`${counter} in the album  ${outcome.path} → ${outcome.album} (image ${outcome.image.id}, ${kilobytes(outcome.image.size)})`);
    } else console.error(`${counter} failed        ${outcome.path} → ${outcome.album}: ${outcome.error}`);
  };

  const started = process.hrtime.bigint();
  const limited = limit(concurrency);
  const outcomes = await Promise.all(
    items.map((item) =>
      limited(async (): Promise<Outcome> => {
        let outcome: Outcome;
        if (item.problem) outcome = { ...item, ok: false, error: item.problem };
        else {
          try {
            outcome = { ...item, ok: true, image: await uploader.upload(item.path, item.album) };
          } catch (err) {
            outcome = { ...item, ok: false, error: reason(err) };
          }
        }
        report(outcome);
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
