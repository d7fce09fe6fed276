/**
 * Reading stored originals, for downloads. With the embedded host they are objects of the
 * shared store (local disk or S3) at the key StoredMedia documents, read directly, ranges
 * included. With MEDIA_HOST=cloudinary they live in the Cloudinary account and are fetched
 * through their signed delivery URL, a Range passed on.
 */
import { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { MediaRef } from '../repositories/images.repository.ts';
import type { ByteRange, ObjectStore } from '../storage/object-store.ts';
import type { ImagePresenter } from './image-presenter.ts';
import { StoredMedia } from './stored-media.ts';

export class OriginalFiles {
  constructor(
    private readonly config: Config,
    private readonly store: ObjectStore | null,
    private readonly presenter: ImagePresenter,
  ) {}

  /** The original's bytes (or `range` of them); 404 when the host has lost the file. */
  async open(ref: MediaRef, range?: ByteRange): Promise<Readable> {
    if (this.config.mediaHost === 'cloudinary') return this.fetch(ref, range);
    if (!this.store) throw new AppError('internal', 'No object store in this process');
    const stream = await this.store.getStream(StoredMedia.originalKey(ref), range);
    if (!stream) throw notFound('Original file');
    return stream;
  }

  private async fetch(ref: MediaRef, range?: ByteRange): Promise<Readable> {
    const response = await fetch(this.presenter.url(ref, 'original'), {
      headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {},
    });
    if (response.status === 404) throw notFound('Original file');
    if (!response.ok || !response.body || (range && response.status !== 206)) {
      throw new AppError('internal', `The media host answered ${response.status} for an original`);
    }
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  }
}
