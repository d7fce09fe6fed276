/**
 * What delivery asks of the host's records on every request: the latest version of an asset.
 * Answers are remembered for a few seconds, so a hot derivative costs no database query; an
 * overwrite or removal is seen by every process within that time, much as a CDN in front of
 * Cloudinary would lag.
 */
import type { DeliveryAsset } from './delivery/delivery-route.ts';
import type { MediaAssetsRepository } from './media-assets.repository.ts';

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export class AssetLookup {
  private readonly recent = new Map<string, { asset: DeliveryAsset | null; at: number }>();

  constructor(private readonly assets: MediaAssetsRepository) {}

  /**
   * The asset, or null. `version` is the one a URL names: a remembered answer with another
   * version (or none) is not trusted, since the asset may just have been uploaded or replaced.
   */
  async find(publicId: string, type: string, version: number | null): Promise<DeliveryAsset | null> {
    const key = `${type}/${publicId}`;
    const now = Date.now();
    const known = this.recent.get(key);
    const fits = known?.asset && (version === null || known.asset.version === version);
    if (known && fits && now - known.at < TTL_MS) return known.asset;
    const row = await this.assets.find(type, publicId);
    const asset = row
      ? { version: row.version, storageKey: row.storage_key, format: row.format, faces: JSON.parse(row.faces) as number[][] }
      : null;
    this.recent.delete(key);
    if (asset) {
      if (this.recent.size >= MAX_ENTRIES) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(key, { asset, at: now });
    }
    return asset;
  }
}
