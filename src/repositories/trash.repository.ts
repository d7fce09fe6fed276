/**
 * The trash: images taken out of their album's listing but kept (restorable) until the purge.
 * The trashed counts follow every change here (see trash-counts.ts); live counts
 * (`images_count`) are the caller's.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { chunked } from './chunks.ts';
import { imagesWithMedia } from './image-media.ts';
import { type ImageRef, type ImageRow, REF_COLUMNS } from './images.repository.ts';
import { offsetWindow } from './offset-window.ts';
import { albumOfOrganization } from './tenancy.ts';
import { addToTrashedCounts } from './trash-counts.ts';

/** Where a page of the trash ends: the sort key of its last image. */
export type TrashPosition = Pick<ImageRow, 'deleted_at' | 'created_at' | 'id'> & { deleted_at: string };

export class TrashRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Puts live images in the trash, and counts them there; returns how many. */
  async put(organizationId: string, ids: readonly string[], now: string): Promise<number> {
    const trashed = new Map<string, number>();
    let n = 0;
    for (const piece of chunked([...new Set(ids)])) {
      const rows = await this.db
        .updateTable('images')
        .set({ deleted_at: now, updated_at: now })
        .where('organization_id', '=', organizationId)
        .where('id', 'in', piece)
        .where('deleted_at', 'is', null)
        .returning('album_id')
        .execute();
      for (const row of rows) trashed.set(row.album_id, (trashed.get(row.album_id) ?? 0) + 1);
      n += rows.length;
    }
    await addToTrashedCounts(this.db, organizationId, trashed);
    return n;
  }

  /** Takes an image out of the trash; true when it was there. */
  async restore(organizationId: string, id: string, now: string): Promise<boolean> {
    const row = await this.db
      .updateTable('images')
      .set({ deleted_at: null, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .returning('album_id')
      .executeTakeFirst();
    if (row) await addToTrashedCounts(this.db, organizationId, new Map([[row.album_id, -1]]));
    return row !== undefined;
  }

  /**
   * The organization's trash after `after` (null: from the most recently deleted), most
   * recently deleted first (then newest first), at most `limit`; `albumIds` limits it to
   * those albums. A keyset page: one album's trash, or the whole organization's, is read from
   * an index in that order from its position on ((album_id, deleted_at, created_at, id), or
   * the partial (organization_id, deleted_at, created_at, id) over trashed rows). Several
   * albums (a restricted token) are read through the organization's index, passing over the
   * other albums' trash.
   */
  listAfter(organizationId: string, albumIds: readonly string[] | null, limit: number, after: TrashPosition | null): Promise<ImageRow[]> {
    let query = imagesWithMedia(this.db).where(this.trashOf(organizationId, albumIds));
    if (after) {
      query = query.where((eb) =>
        eb(eb.refTuple('images.deleted_at', 'images.created_at', 'images.id'), '<', eb.tuple(after.deleted_at, after.created_at, after.id)),
      );
    }
    return query.orderBy('images.deleted_at', 'desc').orderBy('images.created_at', 'desc').orderBy('images.id', 'desc').limit(limit).execute();
  }

  /**
   * One page of the trash by offset, in the order of `listAfter`: ids from the index
   * alone, then only the page's rows; with the exact `total`, a page past the middle is read
   * from the other end (see offsetWindow).
   */
  listPage(organizationId: string, albumIds: readonly string[] | null, limit: number, offset: number, total?: number): Promise<ImageRow[]> {
    if (offset === 0) return this.listAfter(organizationId, albumIds, limit, null);
    const window = offsetWindow(offset, limit, total);
    if (window.limit <= 0) return Promise.resolve([]);
    const direction = window.reverse ? 'asc' : 'desc';
    const ids = this.db
      .selectFrom('images')
      .select('images.id')
      .where(this.trashOf(organizationId, albumIds))
      .orderBy('images.deleted_at', direction)
      .orderBy('images.created_at', direction)
      .orderBy('images.id', direction)
      .limit(window.limit)
      .offset(window.offset);
    return imagesWithMedia(this.db)
      .where('images.id', 'in', ids)
      .orderBy('images.deleted_at', 'desc')
      .orderBy('images.created_at', 'desc')
      .orderBy('images.id', 'desc')
      .execute();
  }

  /**
   * The trashed rows of `albumIds` (albums of the organization, as the caller checked), or of
   * the whole organization. One album's are asked by album, its organization checked on the
   * album: with the rows' organization named, SQLite's planner (without statistics) may take
   * the organization's trash index and pass over every other album's trash.
   */
  private trashOf(organizationId: string, albumIds: readonly string[] | null) {
    if (albumIds?.length === 1) {
      return sql<boolean>`images.deleted_at is not null and images.album_id = ${albumIds[0]!} and ${albumOfOrganization(organizationId, albumIds[0]!)}`;
    }
    const trash = sql<boolean>`images.deleted_at is not null and images.organization_id = ${organizationId}`;
    if (!albumIds) return trash;
    return sql<boolean>`${trash} and images.album_id in (${sql.join(albumIds.length ? albumIds : [''])})`;
  }

  /** Up to `limit` of the organization's images trashed before `cutoff`. */
  trashedBefore(organizationId: string, cutoff: string, limit: number): Promise<ImageRef[]> {
    return this.db
      .selectFrom('images')
      .select(REF_COLUMNS)
      .where('organization_id', '=', organizationId)
      .where('deleted_at', 'is not', null)
      .where('deleted_at', '<', cutoff)
      .orderBy('deleted_at')
      .limit(limit)
      .execute();
  }

  /**
   * Organizations with images trashed before `cutoff`. Deliberately across tenants: only the
   * purge job, which has no caller, asks.
   */
  async organizationsWithTrashBefore(cutoff: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('images')
      .select('organization_id')
      .distinct()
      .where('deleted_at', 'is not', null)
      .where('deleted_at', '<', cutoff)
      .execute();
    return rows.map((r) => r.organization_id);
  }
}
