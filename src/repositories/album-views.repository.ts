import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { albumOfOrganization } from './tenancy.ts';

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
   * none; SQLite ≥ 3.35 and PostgreSQL agree on this.) album_views has no organization
   * column: the row is inserted from the album's row, so only an album of the organization
   * gets one.
   */
  async claim(organizationId: string, albumId: string, viewerKey: string, now: string, cutoff: string): Promise<boolean> {
    const row = await this.db
      .insertInto('album_views')
      .columns(['album_id', 'viewer_key', 'last_counted_at'])
      .expression(
        this.db
          .selectFrom('albums')
          // Parameters in a select list need a type on PostgreSQL, hence the casts.
          .select(['albums.id', sql<string>`cast(${viewerKey} as text)`.as('viewer_key'), sql<string>`cast(${now} as text)`.as('last_counted_at')])
          .where('albums.organization_id', '=', organizationId)
          .where('albums.id', '=', albumId),
      )
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
  async pruneBefore(organizationId: string, albumId: string, cutoff: string): Promise<void> {
    await this.db
      .deleteFrom('album_views')
      .where(albumOfOrganization(organizationId, albumId))
      .where('album_id', '=', albumId)
      .where('last_counted_at', '<=', cutoff)
      .execute();
  }
}
