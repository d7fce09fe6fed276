/**
 * What delivery asks of the host's records on every request: the latest version of an asset.
 * Answers are remembered for a few seconds, so a hot derivative costs no database query; an
 * overwrite or removal is seen by every process within that time (at once by the process
 * that made it), much as a CDN in front of Cloudinary would lag. Each answer says until when
 * it holds (`freshUntil`), so that what rests on it (delivery's verified URLs) holds no longer.
 */
import type { DeliveryAsset } from './delivery/delivery-route.ts';
import type { AssetKey, MediaAssetsRepository } from './media-assets.repository.ts';

export const ASSET_LOOKUP_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

const keyOf = (key: AssetKey): string => `${key.resourceType}/${key.type}/${key.publicId}`;

export interface AssetLookupOptions {
  /** Told of every asset this process changed or removed (see `forget`), after its answer was dropped. */
  onForget?: (key: AssetKey) => void;
  /** The clock, for tests. */
  now?: () => number;
}

export class AssetLookup {
  private readonly recent = new Map<string, DeliveryAsset>();
  private readonly onForget: (key: AssetKey) => void;
  private readonly now: () => number;
  /** Counts `forget` calls: a record read while one happened may predate the change, so is not remembered. */
  private forgets = 0;

  constructor(
    /** Records are only read, and updated with faces found: nothing else of the repository is needed. */
    private readonly assets: Pick<MediaAssetsRepository, 'find' | 'update'>,
    options: AssetLookupOptions = {},
  ) {
    this.onForget = options.onForget ?? (() => {});
    this.now = options.now ?? Date.now;
  }

  /**
   * The asset, or null. `version` is the one a URL names: it never hides the latest version
   * (the SDK puts `v1` before ids in folders), but a URL naming a newer version than the one
   * remembered means an upload just happened, so the record is read again.
   */
  async find(key: AssetKey, version: number | null): Promise<DeliveryAsset | null> {
    const id = keyOf(key);
    const now = this.now();
    const known = this.recent.get(id);
    if (known && (version === null || version <= known.version) && now < known.freshUntil!) return known;
    const forgets = this.forgets;
    const row = await this.assets.find(key);
    const asset: DeliveryAsset | null = row
      ? {
          version: row.version,
          storageKey: row.storage_key,
          format: row.format,
          faces: JSON.parse(row.faces) as number[][],
          facesKnown: (JSON.parse(row.analysis) as { faces_detected?: boolean }).faces_detected === true,
          freshUntil: now + ASSET_LOOKUP_TTL_MS,
        }
      : null;
    if (forgets !== this.forgets) {
      // Changed while it was read: answered as read, but neither remembered nor to be relied on.
      if (asset) asset.freshUntil = undefined;
      return asset;
    }
    this.recent.delete(id);
    if (asset) {
      if (this.recent.size >= MAX_ENTRIES) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(id, asset);
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
    this.forgets += 1;
    this.recent.delete(keyOf(key));
    this.onForget(key);
  }
}
