import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, ImageTable } from '../db/schema.ts';

export type ImageRow = Selectable<ImageTable>;

/** Images of albums; "live" images are those not in the trash. */
export class ImagesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the image unless the album already has one with that public_id; true when inserted. */
  async insertOnce(image: Insertable<ImageTable>): Promise<boolean> {
    const result = await this.db
      .insertInto('images')
      .values(image)
      .onConflict((oc) => oc.columns(['album_id', 'public_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The newest live images of each album, at most `perAlbum` each, newest first. */
  async newestByAlbum(albumIds: string[], perAlbum: number): Promise<Map<string, ImageRow[]>> {
    const result = new Map<string, ImageRow[]>(albumIds.map((id) => [id, []]));
    if (!albumIds.length) return result;
    const rows = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('images')
          .selectAll()
          .select((sub) =>
            sub.fn
              .agg<number>('row_number')
              .over((over) => over.partitionBy('album_id').orderBy('created_at', 'desc').orderBy('id', 'desc'))
              .as('rank'),
          )
          .where('album_id', 'in', albumIds)
          .where('deleted_at', 'is', null)
          .as('ranked'),
      )
      .selectAll()
      .where('rank', '<=', perAlbum)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    for (const { rank: _rank, ...row } of rows) result.get(row.album_id)!.push(row);
    return result;
  }

  /** One page of an album's live images, newest first. */
  listPage(albumId: string, limit: number, offset: number): Promise<ImageRow[]> {
    return this.db
      .selectFrom('images')
      .selectAll()
      .where('album_id', '=', albumId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  find(organizationId: string, id: string): Promise<ImageRow | undefined> {
    return this.db
      .selectFrom('images')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }
}
