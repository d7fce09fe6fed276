/**
 * `POST /albums/:id/images`: a client registers what it uploaded, as SharinPix's own clients
 * do after posting the album's form: the host's upload answer, and its own `metadatas`.
 *
 * Nobody may register an image the host never stored: the answer carries the host's own
 * `signature` (Cloudinary's: SHA-1 hex of `public_id=<id>&version=<v>` and the api secret),
 * which only the host can make; it must be of this service's media account; and the host
 * must still hold that original. The image is then recorded like the host's notification
 * records it (uploaded-images.ts), once per album and public_id, whichever comes first.
 */
import type { Config } from '../config.ts';
import { AppError, badRequest } from '../errors/app-error.ts';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import { safeEqual } from '../crypto/safe-equal.ts';
import { signUploadResponse } from '../media/signing.ts';
import type { Repositories } from '../repositories/index.ts';
import type { AssetProbe } from './asset-probe.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import { lockTenant } from './tenant-lock.ts';
import { imageFromReport, mediaRefOf, type UploadedImages } from './uploaded-images.ts';
import { uploadTarget } from './upload-target.ts';

export interface Registration {
  /** The host's upload answer. */
  answer: Record<string, unknown>;
  metadatas?: Record<string, unknown>;
}

const unprocessable = (message: string): AppError => new AppError('unprocessable', message);

export class ImageRegistrationService {
  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly uploads: UploadedImages,
    private readonly presenter: ImagePresenter,
    private readonly probe: AssetProbe,
  ) {}

  async register(actor: Actor, albumPublicId: string, input: Registration): Promise<ImageJson> {
    requireAccess(actor, 'images.upload', { album: [albumPublicId] });
    const { answer, metadatas } = input;
    const { public_id: publicId, signature } = answer;
    const version = typeof answer.version === 'string' && /^\d+$/.test(answer.version) ? Number(answer.version) : answer.version;
    if (typeof publicId !== 'string' || !publicId || typeof version !== 'number' || !Number.isSafeInteger(version) || typeof signature !== 'string') {
      throw badRequest('The upload answer needs public_id, version and signature');
    }
    if (answer.api_key !== undefined && String(answer.api_key) !== this.config.cloudinary.apiKey) {
      throw unprocessable("The upload answer is of another media account than this service's");
    }
    if (!safeEqual(signature, signUploadResponse(publicId, version, this.config.cloudinary.apiSecret))) {
      throw unprocessable("The upload answer's signature does not verify: it was not made by the media host");
    }
    if (answer.resource_type !== undefined && answer.resource_type !== 'image') throw unprocessable('Only images can be registered');
    const report = { ...answer, version };
    if (!(await this.probe.exists(mediaRefOf(report)))) throw unprocessable(`The media host holds no image ${publicId} (version ${version})`);

    return this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const album = await uploadTarget(repos, actor, albumPublicId);
      const image = imageFromReport(report, { organizationId: org.id, albumId: album.id, now: new Date().toISOString() });
      const recorded = await this.uploads.record(repos, org, album, image, metadatas);
      return this.presenter.present(recorded.image, album.public_id);
    });
  }
}
