/**
 * What delivery asks of the host's records on every request: the latest version of an asset.
 * Answers are remembered for a few seconds, so a hot derivative costs no database query; an
 * overwrite or removal is seen by every process within that time (at once by the process
 * that made it), much as a CDN in front of Cloudinary would lag.
 */
import type { DeliveryAsset } from './delivery/delivery-route.ts';
import type { AssetKey, MediaAssetsRepository } from './media-assets.repository.ts';

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

const keyOf = (key: AssetKey): string => `${key.resourceType}/${key.type}/${key.publicId}`;

export class AssetLookup {
  private readonly recent = new Map<string, { asset: DeliveryAsset | null; at: number }>();

  constructor(private readonly assets: MediaAssetsRepository) {}

  /**
   * The asset, or null. `version` is the one a URL names: it never hides the latest version
   * (the SDK puts `v1` before ids in folders), but a URL naming a newer version than the one
   * remembered means an upload just happened, so the record is read again.
   */
  async find(key: AssetKey, version: number | null): Promise<DeliveryAsset | null> {
    const id = keyOf(key);
    const now = Date.now();
    const known = this.recent.get(id);
    const fits = known?.asset && (version === null || version <= known.asset.version);
    if (known && fits && now - known.at < TTL_MS) return known.asset;
    const row = await this.assets.find(key);
    const asset = row
      ? {
          version: row.version,
          storageKey: row.storage_key,
          format: row.format,
          faces: JSON.parse(row.faces) as number[][],
          facesKnown: (JSON.parse(row.analysis) as { faces_detected?: boolean }).faces_detected === true,
        }
      : null;
    this.recent.delete(id);
    if (asset) {
      if (this.recent.size >= MAX_ENTRIES) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(id, { asset, at: now });
    }
    return asset;
  }

  /** Records faces the detector found at delivery, so that it runs once per image. */
  async rememberFaces(key: AssetKey, faces: number[][]): Promise<void> {
    const row = await this.assets.find(key);
    if (!row) return;
    const analysis = { ...(JSON.parse(row.analysis) as object), faces_detected: true };
    await this.assets.update(key, { faces: JSON.stringify(faces), analysis: JSON.stringify(analysis) });
    this.forget(key);
  }

  /** Drops what is remembered of an asset this process just changed or removed. */
  forget(key: AssetKey): void {
    this.recent.delete(keyOf(key));
  }
}
