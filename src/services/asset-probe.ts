/**
 * Asks the media host whether it holds an original, through the protocol any client uses: a
 * HEAD of the original's signed delivery URL. It works alike for the embedded host and for
 * Cloudinary, and needs no access to the host's own records.
 */
import type { MediaRef } from '../repositories/images.repository.ts';
import type { ImagePresenter } from './image-presenter.ts';

/** A host that does not answer in this long is taken as not holding the asset. */
const PROBE_TIMEOUT_MS = 10_000;

export class AssetProbe {
  constructor(private readonly presenter: ImagePresenter) {}

  async exists(ref: MediaRef): Promise<boolean> {
    try {
      const response = await fetch(this.presenter.url(ref, 'original'), { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      return response.ok;
    } catch {
      return false;
    }
  }
}
