/**
 * The embedded media host's record of stored assets (its own `media_assets` table, see
 * db/media-schema.ts). The host keeps this apart from the API's tables and never reads those,
 * as a separate service (Cloudinary) would.
 */
import { sql, type Selectable, type Updateable } from 'kysely';
import type { MediaAssetTable, MediaDb } from './db/media-schema.ts';

export type MediaAsset = Selectable<MediaAssetTable>;

/** Which assets a listing wants; every filter given must hold. */
export interface AssetFilter {
  resourceType: string;
  type?: string;
  prefix?: string;
  tag?: string;
  /** A context key the asset has, and optionally its value. */
  contextKey?: string;
  contextValue?: string;
  publicIds?: readonly string[];
}

/** The three parts of an asset's key. */
export interface AssetKey {
  resourceType: string;
  type: string;
  publicId: string;
}

/** `LIKE` takes `%` and `_` as wildcards: escaped (SQLite needs the ESCAPE clause said), text matches only itself. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function like(column: 'public_id' | 'tags', pattern: string) {
  return sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '\\'`;
}

function matches(asset: MediaAsset, filter: AssetFilter): boolean {
  // SQLite's LIKE ignores ASCII case; a prefix is exact, as on PostgreSQL.
  if (filter.prefix && !asset.public_id.startsWith(filter.prefix)) return false;
  if (filter.tag !== undefined && !(JSON.parse(asset.tags) as string[]).includes(filter.tag)) return false;
  if (filter.contextKey !== undefined) {
    const context = JSON.parse(asset.context) as Record<string, string>;
    if (!(filter.contextKey in context)) return false;
    if (filter.contextValue !== undefined && context[filter.contextKey] !== filter.contextValue) return false;
  }
  return true;
}

export class MediaAssetsRepository {
  constructor(private readonly db: MediaDb) {}

  /** Records (or replaces, on overwrite) the latest version of an asset. */
  async upsert(asset: MediaAsset, executor: MediaDb = this.db): Promise<void> {
    const { resource_type: _r, type: _t, public_id: _p, ...rest } = asset;
    await executor
      .insertInto('media_assets')
      .values(asset)
      .onConflict((oc) => oc.columns(['resource_type', 'type', 'public_id']).doUpdateSet(rest))
      .execute();
  }

  find(key: AssetKey, executor: MediaDb = this.db): Promise<MediaAsset | undefined> {
    return executor
      .selectFrom('media_assets')
      .selectAll()
      .where('resource_type', '=', key.resourceType)
      .where('type', '=', key.type)
      .where('public_id', '=', key.publicId)
      .executeTakeFirst();
  }

  findByAssetId(assetId: string): Promise<MediaAsset | undefined> {
    return this.db.selectFrom('media_assets').selectAll().where('asset_id', '=', assetId).executeTakeFirst();
  }

  async update(key: AssetKey, patch: Updateable<MediaAssetTable>, executor: MediaDb = this.db): Promise<void> {
    await executor
      .updateTable('media_assets')
      .set(patch)
      .where('resource_type', '=', key.resourceType)
      .where('type', '=', key.type)
      .where('public_id', '=', key.publicId)
      .execute();
  }

  /** Removes an asset's record; true when there was one. */
  async remove(key: AssetKey, executor: MediaDb = this.db): Promise<boolean> {
    const result = await executor
      .deleteFrom('media_assets')
      .where('resource_type', '=', key.resourceType)
      .where('type', '=', key.type)
      .where('public_id', '=', key.publicId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Assets matching `filter` in key order (type, then public id), at most `limit`, after the
   * `after` key if given. Tag and context filters are checked on the decoded JSON, after a
   * coarse `LIKE` that lets the database skip most rows.
   */
  async list(filter: AssetFilter, limit: number, after?: { type: string; publicId: string }): Promise<MediaAsset[]> {
    const found: MediaAsset[] = [];
    let cursor = after;
    for (;;) {
      let query = this.db.selectFrom('media_assets').selectAll().where('resource_type', '=', filter.resourceType);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.prefix) query = query.where(like('public_id', `${escapeLike(filter.prefix)}%`));
      if (filter.publicIds) query = query.where('public_id', 'in', filter.publicIds.length ? [...filter.publicIds] : ['']);
      if (filter.tag !== undefined) query = query.where(like('tags', `%${escapeLike(JSON.stringify(filter.tag))}%`));
      if (cursor) {
        const { type, publicId } = cursor;
        query = query.where((eb) =>
          eb.or([eb('type', '>', type), eb.and([eb('type', '=', type), eb('public_id', '>', publicId)])]),
        );
      }
      const batch = await query.orderBy('type').orderBy('public_id').limit(limit).execute();
      for (const asset of batch) {
        if (matches(asset, filter)) found.push(asset);
        if (found.length === limit) return found;
      }
      if (batch.length < limit) return found;
      const last = batch[batch.length - 1]!;
      cursor = { type: last.type, publicId: last.public_id };
    }
  }

  /** Count and bytes of stored originals per resource type. */
  async usage(): Promise<Array<{ resource_type: string; count: number; bytes: number }>> {
    const rows = await this.db
      .selectFrom('media_assets')
      .select((eb) => ['resource_type', eb.fn.countAll().as('count'), eb.fn.sum('bytes').as('bytes')])
      .groupBy('resource_type')
      .execute();
    return rows.map((r) => ({ resource_type: r.resource_type, count: Number(r.count), bytes: Number(r.bytes ?? 0) }));
  }
}
