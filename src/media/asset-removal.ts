/**
 * Removing an asset wholly: its record, its original in the store and every derivative in
 * the derived cache, so that nothing of a destroyed file is left on disk or in the bucket.
 * Upload overwrites, destroy, rename, delete_by_token and the Admin API's deletions all go
 * through here.
 */
import type { ObjectStore } from '../storage/object-store.ts';
import type { AssetLookup } from './asset-lookup.ts';
import { assetDerivativesPrefix, type DerivedCache } from './delivery/derived-cache.ts';
import type { AssetKey, MediaAsset, MediaAssetsRepository } from './media-assets.repository.ts';

export const keyOf = (asset: MediaAsset): AssetKey => ({
  resourceType: asset.resource_type,
  type: asset.type,
  publicId: asset.public_id,
});

export class AssetRemoval {
  constructor(
    private readonly deps: {
      cloudName: string;
      /** A record is read, then removed: nothing else of the repository is needed. */
      assets: Pick<MediaAssetsRepository, 'find' | 'remove'>;
      store: ObjectStore;
      cache: DerivedCache;
      lookup: AssetLookup;
    },
  ) {}

  /** Removes the asset's derivatives from the cache (all versions: they share a key prefix). */
  async purgeDerivatives(key: AssetKey): Promise<void> {
    await this.deps.cache.purge(assetDerivativesPrefix({ cloud: this.deps.cloudName, type: key.type, publicId: key.publicId }));
  }

  /** Drops this process's remembered answer for an asset just changed. */
  forget(key: AssetKey): void {
    this.deps.lookup.forget(key);
  }

  /** Removes the asset's files once its record is gone or points elsewhere. */
  async removeFiles(asset: MediaAsset): Promise<void> {
    this.deps.lookup.forget(keyOf(asset));
    await this.deps.store.delete(asset.storage_key);
    await this.purgeDerivatives(keyOf(asset));
  }

  /** Destroys an asset; false when there was none. */
  async destroy(key: AssetKey): Promise<boolean> {
    const asset = await this.deps.assets.find(key);
    if (!asset || !(await this.deps.assets.remove(key))) return false;
    await this.removeFiles(asset);
    return true;
  }
}
