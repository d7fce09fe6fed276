/**
 * `POST /images/:id/duplicate` (ability `image_duplicate`): a second image of the same
 * picture in the same album. An album shows a stored original (public_id) once, so the
 * duplicate needs an original of its own: this service uploads the source's bytes to the
 * media host through the album's signed form, exactly as a browser would (embedded host or
 * Cloudinary alike), records the image from the host's signed answer at once (the host's
 * notification that follows finds it there), and gives it the source's caption, metadata,
 * tags and edits. Counts, thumbnails and the `image.created` webhook follow as for any upload.
 */
import { type Actor, requireImageDuplicate } from '../auth/permissions.ts';
import type { Config } from '../config.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { signUploadResponse } from '../media/signing.ts';
import type { Repositories } from '../repositories/index.ts';
import { downloadName } from './downloads.service.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import type { NotificationsService } from './notifications.service.ts';
import type { OriginalFiles } from './original-files.ts';
import type { UploadFormService } from './upload-form.ts';

export class ImageDuplicatesService {
  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly forms: UploadFormService,
    private readonly originals: OriginalFiles,
    private readonly notifications: NotificationsService,
    private readonly presenter: ImagePresenter,
  ) {}

  async duplicate(actor: Actor, imageId: string): Promise<ImageJson> {
    const image = await this.repos.images.find(actor.organizationId, imageId);
    if (!image || image.deleted_at !== null) throw notFound('Image');
    const album = await this.repos.albums.findById(actor.organizationId, image.album_id);
    if (!album) throw notFound('Image');
    requireImageDuplicate(actor, album.public_id);

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
    const recorded = await this.notifications.recordUpload(actor.organizationId, album.public_id, answer!);
    // The host's notification may have landed first: the image is then already there.
    const id =
      recorded.image_id ??
      (await this.repos.images.findByPublicIds(actor.organizationId, new Set([album.id]), [publicId])).find((row) => row.deleted_at === null)
        ?.id;
    if (!id) throw new AppError('internal', 'The duplicate was stored but not recorded');
    await this.repos.imageCopies.takeClientFields(actor.organizationId, id, image, new Date().toISOString());
    const duplicate = await this.repos.images.find(actor.organizationId, id);
    return this.presenter.present(duplicate!, album.public_id);
  }
}
