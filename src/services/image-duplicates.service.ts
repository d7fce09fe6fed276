/**
 * `POST /images/:id/duplicate` (ability `image_duplicate`): a second image of the same
 * picture in the same album. An album shows a stored original (public_id) once, so the
 * duplicate needs an original of its own: this service uploads the source's bytes to the
 * media host through the album's signed form, exactly as a browser would (embedded host or
 * Cloudinary alike), and records the image from the host's signed answer at once, with the
 * source's caption, metadata, tags and edits, through the one place that turns an upload
 * into an image (uploaded-images.ts; the host's notification that follows finds it there).
 * Counts, thumbnails and the webhook events follow as for any upload.
 */
import { type Actor, requireAccess } from '../auth/permissions.ts';
import type { Config } from '../config.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { signUploadResponse } from '../media/signing.ts';
import { clientFieldsOf } from '../repositories/image-copies.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { downloadName } from './downloads.service.ts';
import { liveImage } from './image-lookup.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import type { OriginalFiles } from './original-files.ts';
import { lockTenant } from './tenant-lock.ts';
import { imageFromReport, type UploadedImages } from './uploaded-images.ts';
import type { UploadFormService } from './upload-form.ts';

export class ImageDuplicatesService {
  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly forms: UploadFormService,
    private readonly originals: OriginalFiles,
    private readonly uploads: UploadedImages,
    private readonly presenter: ImagePresenter,
  ) {}

  async duplicate(actor: Actor, imageId: string): Promise<ImageJson> {
    const { image, album } = await liveImage(this.repos, actor.organizationId, imageId);
    requireAccess(actor, 'images.duplicate', { album: [album.public_id] });

    const form = await this.forms.build(actor, album);
    const chunks: Buffer[] = [];
    // Originals are bounded by MAX_UPLOAD_BYTES: holding one for the upload is fine.
    for await (const chunk of await this.originals.open(image)) chunks.push(chunk as Buffer);
    const body = new FormData();
    for (const [key, value] of Object.entries(form.params)) body.append(key, String(value));
    body.append('file', new Blob([Buffer.concat(chunks)]), downloadName(image));
    const response = await fetch(form.url, { method: 'POST', body });
    const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    const publicId = answer?.public_id;
    const version = answer?.version;
    if (!response.ok || typeof publicId !== 'string' || typeof version !== 'number') {
      throw new AppError('internal', `The media host refused the duplicate (${response.status})`);
    }
    if (answer!.signature !== signUploadResponse(publicId, version, this.config.cloudinary.apiSecret)) {
      throw new AppError('internal', "The media host's answer is not signed");
    }
    const fields = clientFieldsOf(image);
    const duplicate = await this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const target = await repos.albums.findById(org.id, album.id);
      if (!target) throw notFound('Album');
      const now = new Date().toISOString();
      const fresh = { ...imageFromReport(answer!, { organizationId: org.id, albumId: target.id, now }), ...fields };
      const recorded = await this.uploads.record(repos, org, target, fresh);
      if (recorded.created) return { row: recorded.image, album: target };
      // The host's notification landed first and recorded the image unedited.
      await repos.images.update(org.id, recorded.image.id, fields, now);
      return { row: { ...recorded.image, ...fields, updated_at: now }, album: target };
    });
    return this.presenter.present(duplicate.row, duplicate.album.public_id);
  }
}
