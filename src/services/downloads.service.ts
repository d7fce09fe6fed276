/**
 * Taking photos out: one image (its original, or a named derivative) and album ZIPs of
 * originals, each as a body of known length that the HTTP layer serves whole or by range.
 * Who may download is checked here (ability `image_download`); share links reach the same
 * bodies through ShareLinksService after checking the link instead.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import { AppError, badRequest, notFound } from '../errors/app-error.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImageFile } from '../repositories/album-files.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ByteRange } from '../storage/object-store.ts';
import { streamZip, type ZipEntry, zipLength } from './album-zip.ts';
import type { AlbumsService } from './albums.service.ts';
import { safeFileName, UniqueNames } from './file-names.ts';
import { editTransformation } from './image-edits.ts';
import { liveImage } from './image-lookup.ts';
import type { ImagePresenter, ThumbnailName } from './image-presenter.ts';
import type { OriginalFiles } from './original-files.ts';

/** A download of known length: served whole, or by range, by the HTTP layer. */
export interface DownloadBody {
  length: number;
  /** A strong entity tag (quoted): the same tag promises the same bytes. */
  etag: string;
  contentType: string;
  /** The safe name it downloads under. */
  fileName: string;
  /** The bytes, or `range` of them. */
  open(range?: ByteRange): Promise<Readable>;
}

/** How many images one ZIP selection (`image_ids[]`) may name. */
export const MAX_ZIP_SELECTION = 10_000;

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
};

/** The content type of an original of `format`. */
export const contentTypeOfFormat = (format: string): string => CONTENT_TYPES[format.toLowerCase()] ?? 'application/octet-stream';

/** A strong entity tag from the parts that decide the bytes. */
function etagOf(kind: string, parts: unknown): string {
  return `"${kind}-${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 27)}"`;
}

/** The name an image's original downloads under. */
export function downloadName(image: Pick<ImageFile, 'filename' | 'public_id' | 'format'>): string {
  return safeFileName(image.filename, image.public_id.slice(image.public_id.lastIndexOf('/') + 1), image.format);
}

/** An album ZIP's entry: a file of the archive and the image it holds. */
interface ImageEntry extends ZipEntry {
  file: ImageFile;
  /** The host's URL of the edited rendition it holds; absent: the original as uploaded. */
  rendition?: string;
}

/** What goes in an album ZIP. */
export interface ArchiveOptions {
  /** Edited images as edited (crop, rotation, rendered by the media host at full size); the others as uploaded. */
  edited: boolean;
}

/** The entry's date: when the photo was taken, if known, else when it was uploaded. */
function entryDate(file: ImageFile): Date {
  const taken = file.taken_at ? new Date(file.taken_at) : null;
  return taken && !Number.isNaN(taken.getTime()) ? taken : new Date(file.created_at);
}

export class DownloadsService {
  constructor(
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly presenter: ImagePresenter,
    private readonly originals: OriginalFiles,
  ) {}

  /** `GET /images/:id/download`: 404 unless live in the actor's organization, 403 without `image_download`. */
  async image(actor: Actor, imageId: string, size: ThumbnailName): Promise<DownloadBody> {
    const { image, album } = await liveImage(this.repos, actor.organizationId, imageId);
    requireAccess(actor, 'images.download', { album: [album.public_id] });
    return this.imageFile(image, size);
  }

  /** `GET /albums/:id/download.zip`: every live image, or the `imageIds` among them (all must be). */
  async albumZip(actor: Actor, albumPublicId: string, imageIds: string[] | undefined, options: ArchiveOptions): Promise<DownloadBody> {
    const album = await this.albums.find(actor, albumPublicId);
    requireAccess(actor, 'images.download', { album: [album.public_id] });
    return this.archive(album, await this.selection(album, imageIds), options);
  }

  /** The album's live images, or those named (404 when one is not live in it). */
  async selection(album: Album, imageIds: string[] | undefined): Promise<ImageFile[]> {
    if (imageIds === undefined) return this.repos.albumFiles.listLive(album.organization_id, album.id);
    const ids = [...new Set(imageIds)];
    if (!ids.length) throw badRequest('image_ids is empty');
    if (ids.length > MAX_ZIP_SELECTION) throw badRequest(`image_ids names more than ${MAX_ZIP_SELECTION} images`);
    const files = await this.repos.albumFiles.findLive(album.organization_id, album.id, ids);
    if (files.length !== ids.length) throw notFound(`${ids.length - files.length} of the images in this album`);
    return files;
  }

  /** An image's original, or one of its named derivatives, as a download. */
  async imageFile(image: ImageFile, size: ThumbnailName): Promise<DownloadBody> {
    const name = downloadName(image);
    if (size === 'original') {
      return {
        length: image.size,
        etag: etagOf('o', [image.type, image.public_id, image.version, image.format]),
        contentType: contentTypeOfFormat(image.format),
        fileName: name,
        open: (range?: ByteRange) => this.originals.open(image, range),
      };
    }
    return this.derivative(image, size, name);
  }

  /**
   * A derivative of the image as edited (crop, rotation), fetched from the media host (embedded or Cloudinary, through the same signed
   * URL the image JSON gives) and held whole: named derivatives are bounded (1920 px at most).
   */
  private async derivative(image: ImageFile, size: Exclude<ThumbnailName, 'original'>, name: string): Promise<DownloadBody> {
    const response = await fetch(this.presenter.url(image, size, editTransformation(image)));
    if (response.status === 404) throw notFound('Original file');
    if (!response.ok) throw new AppError('internal', `The media host answered ${response.status} for a derivative`);
    const data = Buffer.from(await response.arrayBuffer());
    const dot = name.lastIndexOf('.');
    return {
      length: data.length,
      etag: etagOf('d', [image.type, image.public_id, image.version, size, createHash('sha256').update(data).digest('hex')]),
      contentType: response.headers.get('content-type') ?? contentTypeOfFormat(image.format),
      fileName: `${name.slice(0, dot)}_${size}${name.slice(dot)}`,
      open: async (range?: ByteRange) => Readable.from([range ? data.subarray(range.start, range.end + 1) : data]),
    };
  }

  /**
   * The ZIP of `files` (in their order), named after the album. With `edited`, an edited
   * image's entry is its full-size edited rendition: the host renders each one first, so that
   * its exact length is known before the first byte (it keeps them in its derivative cache,
   * and renders the same bytes again if it dropped one); entries are still streamed.
   */
  async archive(album: Album, files: readonly ImageFile[], options: ArchiveOptions = { edited: false }): Promise<DownloadBody> {
    const names = new UniqueNames();
    const entries: ImageEntry[] = [];
    for (const file of files) {
      const edits = options.edited ? editTransformation(file) : '';
      const rendition = edits ? this.presenter.transformedUrl(file, edits) : undefined;
      const size = rendition ? await this.renditionLength(rendition) : file.size;
      entries.push({ name: names.take(downloadName(file)), size, date: entryDate(file), file, ...(rendition ? { rendition } : {}) });
    }
    const manifest = entries.map((e) => [e.name, e.size, e.date.getTime(), e.file.type, e.file.public_id, e.file.version, e.file.format, e.rendition ?? '']);
    return {
      length: zipLength(entries),
      etag: etagOf('z', manifest),
      contentType: 'application/zip',
      fileName: safeFileName(`${album.public_id}.zip`, 'album.zip', 'zip'),
      open: async (range?: ByteRange): Promise<Readable> =>
        streamZip(entries, (entry) => (entry.rendition ? this.fetchRendition(entry.rendition) : this.originals.open(entry.file)), range),
    };
  }

  /** The byte length of a rendition, which the host renders (and caches) to answer. */
  private async renditionLength(url: string): Promise<number> {
    const response = await fetch(url, { method: 'HEAD' });
    const length = Number(response.headers.get('content-length'));
    if (!response.ok || !Number.isSafeInteger(length)) throw new AppError('internal', `The media host answered ${response.status} for an edited rendition`);
    return length;
  }

  private async fetchRendition(url: string): Promise<Readable> {
    const response = await fetch(url);
    if (!response.ok || !response.body) throw new AppError('internal', `The media host answered ${response.status} for an edited rendition`);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  }
}
