/**
 * `POST /imports` with `import_type: url`: SharinPix's import of a photo from a URL (its npm
 * client's `import` and `multiupload`). The service fetches the file, never from inside its
 * own network unless IMPORT_ALLOW_PRIVATE allows it (outbound-address.ts), uploads it through
 * the album's own signed form exactly as a client would, and registers the host's answer: the
 * image is recorded as any upload is (image-registration.service.ts).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config.ts';
import { AppError, badRequest, payloadTooLarge } from '../errors/app-error.ts';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ImageRegistrationService } from './image-registration.service.ts';
import type { ImageJson } from './image-presenter.ts';
import { getOutbound, OutboundAddressError } from './outbound-address.ts';
import type { UploadFormService } from './upload-form.ts';
import { uploadTarget } from './upload-target.ts';

export interface UrlImport {
  albumId: string;
  url: string;
  metadatas?: Record<string, unknown>;
  filename?: string;
}

/** A source that has not sent the whole file in this long is given up. */
const FETCH_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 3;

const unprocessable = (message: string): AppError => new AppError('unprocessable', message);

export class UrlImportsService {
  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly forms: UploadFormService,
    private readonly registrations: ImageRegistrationService,
  ) {}

  async importUrl(actor: Actor, input: UrlImport): Promise<ImageJson> {
    requireAccess(actor, 'images.upload', { album: [input.albumId] });
    let source: URL;
    try {
      source = new URL(input.url);
    } catch {
      throw badRequest('url is not a URL');
    }
    if (source.protocol !== 'http:' && source.protocol !== 'https:') throw badRequest('url must be an http or https URL');
    const tmpDir = join(this.config.dataDir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const path = join(tmpDir, `${randomUUID()}.import`);
    try {
      await this.download(source, path);
      // Opened (when new) only once there is a file to put in it.
      const album = await uploadTarget(this.repos, actor, input.albumId);
      const form = await this.forms.build(actor, album);
      const body = new FormData();
      for (const [key, value] of Object.entries(form.params)) body.append(key, String(value));
      body.append('file', await openAsBlob(path), input.filename ?? (basename(source.pathname) || 'import'));
      const response = await fetch(form.url, { method: 'POST', body, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      if (!response.ok || !answer) {
        const reason = (answer?.error as { message?: string } | undefined)?.message ?? `status ${response.status}`;
        throw unprocessable(`The media host refused the file from ${source.host}: ${reason}`);
      }
      return await this.registrations.register(actor, album.public_id, { answer, metadatas: input.metadatas });
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Streams the source to `path`, refusing internal addresses, failures and files past the upload limit. */
  private async download(source: URL, path: string): Promise<void> {
    const limit = this.config.maxUploadBytes;
    let response;
    try {
      response = await getOutbound(source.toString(), {
        timeoutMs: FETCH_TIMEOUT_MS,
        allowInternal: this.config.importAllowPrivate,
        maxRedirects: MAX_REDIRECTS,
      });
    } catch (err) {
      if (err instanceof OutboundAddressError) throw unprocessable(`Not imported: ${err.message}`);
      throw unprocessable(`Could not fetch ${source.host}: ${(err as Error).message}`);
    }
    if ((response.statusCode ?? 0) !== 200) {
      response.resume();
      throw unprocessable(`${source.host} answered ${response.statusCode} for the file`);
    }
    if (Number(response.headers['content-length'] ?? 0) > limit) {
      response.destroy();
      throw payloadTooLarge(`The file is larger than ${limit} bytes`);
    }
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(bytes > limit ? payloadTooLarge(`The file is larger than ${limit} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(response, counter, createWriteStream(path));
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unprocessable(`Could not fetch ${source.host}: ${(err as Error).message}`);
    }
  }
}
