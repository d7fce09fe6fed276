/**
 * Removing stored originals once no image row uses them any more (after a purge, or when a
 * merge or move drops a duplicate row).
 *
 * The media host owns its files and its tables; the API never touches either. It asks the
 * host to remove an original with Cloudinary's signed `destroy` call over HTTP, exactly as it
 * would ask Cloudinary (MEDIA_HOST=cloudinary), so the same code runs against both: the host
 * then removes the record, the original and every derivative. Nothing calls the host's
 * `rename`: album renames, merges and moves change rows only, never an original's public id.
 */
import type { Config } from '../config.ts';
import { signUploadParams } from '../media/signing.ts';
import type { MediaRef } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { mediaEndpoints } from './media-endpoints.ts';

/** A host that does not answer within this long is retried by the caller's job, not waited for. */
const DESTROY_TIMEOUT_MS = 15_000;

/**
 * What a transaction that hard-deleted rows hands back: its result, and the stored media
 * no row references any more, whose files go once it has committed.
 */
export interface WithOrphans<T> {
  result: T;
  orphans: MediaRef[];
}

export class StoredMedia {
  constructor(private readonly config: Config) {}

  /**
   * The object-store key of an image original at the embedded host, as it documents it
   * (src/media/upload/media-uploader.ts): downloads and ZIPs stream originals from the shared
   * store rather than through delivery (original-files.ts).
   */
  static originalKey(ref: MediaRef): string {
    return `originals/${ref.type}/${ref.public_id}/v${ref.version}.${ref.format}`;
  }

  /**
   * Of the media just released by deleted rows, those no row references any more (call in
   * the deleting transaction; the organization lock keeps copies from appearing meanwhile).
   */
  async orphans(repos: Repositories, released: readonly MediaRef[]): Promise<MediaRef[]> {
    if (!released.length) return [];
    return repos.imageMedia.unreferenced(released);
  }

  /** Destroys the orphans at the media host (after the deleting transaction committed); returns how many. */
  async delete(orphans: readonly MediaRef[]): Promise<number> {
    for (const ref of orphans) await this.destroy(ref);
    return orphans.length;
  }

  /** Cloudinary's `POST /v1_1/<cloud>/image/destroy`, signed; "not found" counts as done. */
  private async destroy(ref: MediaRef): Promise<void> {
    const { apiKey, apiSecret } = this.config.cloudinary;
    const params = { public_id: ref.public_id, type: ref.type, invalidate: 'true', timestamp: String(Math.floor(Date.now() / 1000)) };
    const body = new URLSearchParams({ ...params, api_key: apiKey, signature: signUploadParams(params, apiSecret) });
    const response = await fetch(`${mediaEndpoints(this.config).apiBaseUrl}/image/destroy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(DESTROY_TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => null)) as { result?: string } | null;
    if (!response.ok || (answer?.result !== 'ok' && answer?.result !== 'not found')) {
      throw new Error(`media host destroy of ${ref.public_id} answered ${response.status}`);
    }
  }
}
