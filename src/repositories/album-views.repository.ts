import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Which viewers' page views of an album were counted, and when. The table is the dedupe
 * memory shared by every API process; the decision to count is one atomic statement, so two
 * processes serving the same viewer at once cannot both count.
 */
export class AlbumViewsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims a counted view for `viewerKey` unless one was counted after `cutoff`: inserts the
   * row, or moves an older row's `last_counted_at` to `now`. True when this call claimed it.
   * (An upsert whose update is filtered by WHERE writes no row, and RETURNING then yields
   * none; SQLite ≥ 3.35 and PostgreSQL agree on this.)
   */
  async claim(albumId: string, viewerKey: string, now: string, cutoff: string): Promise<boolean> {
    const row = await this.db
      .insertInto('album_views')
      .values({ album_id: albumId, viewer_key: viewerKey, last_counted_at: now })
      .onConflict((oc) =>
        oc
          .columns(['album_id', 'viewer_key'])
          .doUpdateSet({ last_counted_at: now })
          .where('album_views.last_counted_at', '<=', cutoff),
      )
      .returning('viewer_key')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Forgets the album's views counted before `cutoff`: they no longer hold back a count. */
  async pruneBefore(albumId: string, cutoff: string): Promise<void> {
    await this.db
      .deleteFrom('album_views')
      .where('album_id', '=', albumId)
      .where('last_counted_at', '<=', cutoff)
      .execute();
  }
}
