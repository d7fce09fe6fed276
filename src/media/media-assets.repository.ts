/**
 * The embedded media host's own record of stored originals. The host keeps this apart from
 * the API's tables and never reads those, as a separate service (Cloudinary) would.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, MediaAssetTable } from '../db/schema.ts';

export type MediaAsset = Selectable<MediaAssetTable>;

export class MediaAssetsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records (or replaces, on overwrite) the latest version of an asset. */
  async upsert(asset: MediaAsset, executor: Kysely<Database> = this.db): Promise<void> {
    await executor
      .insertInto('media_assets')
      .values(asset)
      .onConflict((oc) =>
        oc.columns(['type', 'public_id']).doUpdateSet({
          version: asset.version,
          format: asset.format,
          storage_key: asset.storage_key,
          bytes: asset.bytes,
          width: asset.width,
          height: asset.height,
          faces: asset.faces,
          created_at: asset.created_at,
        }),
      )
      .execute();
  }

  find(type: string, publicId: string): Promise<MediaAsset | undefined> {
    return this.db
      .selectFrom('media_assets')
      .selectAll()
      .where('type', '=', type)
      .where('public_id', '=', publicId)
      .executeTakeFirst();
  }
}
