/**
 * Removing stored originals once no image row uses them any more (after a purge, or when a
 * merge or move drops a duplicate row).
 *
 * The media host owns its files and its `media_assets` table; the API never touches that
 * table. It only deletes the original's object from the shared object store, at the key the
 * embedded host documents (`originals/<type>/<public_id>/v<version>.<format>`, see
 * src/media/upload/media-uploader.ts). Afterwards the host answers for that asset as for a
 * lost file; its cached derivatives age out of its bounded cache. Should the host grow
 * Cloudinary's `destroy` call, this class is the one place to call it instead. With
 * MEDIA_HOST=cloudinary the originals live in the Cloudinary account, not in our store, and
 * are left there.
 */
import type { Config } from '../config.ts';
import type { MediaRef } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ObjectStore } from '../storage/object-store.ts';

export class StoredMedia {
  constructor(
    private readonly config: Config,
    private readonly store: ObjectStore | null,
  ) {}

  /** The object-store key of an original at the embedded host. */
  static originalKey(ref: MediaRef): string {
    return `originals/${ref.type}/${ref.public_id}/v${ref.version}.${ref.format}`;
  }

  /**
   * Of the media just released by deleted rows, those no row references any more (call in
   * the deleting transaction; the organization lock keeps copies from appearing meanwhile).
   */
  async orphans(repos: Repositories, released: readonly MediaRef[]): Promise<MediaRef[]> {
    if (!released.length || !this.deletesFiles()) return [];
    return repos.images.unreferenced(released);
  }

  /** Deletes the orphans' files (after the deleting transaction committed); returns how many. */
  async delete(orphans: readonly MediaRef[]): Promise<number> {
    if (!this.store) return 0;
    for (const ref of orphans) await this.store.delete(StoredMedia.originalKey(ref));
    return orphans.length;
  }

  private deletesFiles(): boolean {
    return this.store !== null && this.config.mediaHost === 'embedded';
  }
}
