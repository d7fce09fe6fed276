import type { Kysely, Selectable } from 'kysely';
import type { AlbumTable, Database } from '../db/schema.ts';

export type Album = Selectable<AlbumTable>;

/** Albums, always addressed within one organization. */
export class AlbumsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(album: Omit<Album, 'images_count' | 'views_count'>): Promise<Album> {
    await this.db.insertInto('albums').values(album).execute();
    return { ...album, images_count: 0, views_count: 0 };
  }

  findByPublicId(organizationId: string, publicId: string): Promise<Album | undefined> {
    return this.db
      .selectFrom('albums')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('public_id', '=', publicId)
      .executeTakeFirst();
  }

  findById(organizationId: string, id: string): Promise<Album | undefined> {
    return this.db
      .selectFrom('albums')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /**
   * One page of the organization's albums, newest first; `onlyPublicIds` limits the page to
   * those albums (a restricted token), null means all.
   */
  listPage(
    organizationId: string,
    onlyPublicIds: string[] | null,
    limit: number,
    offset: number,
  ): Promise<Album[]> {
    let query = this.db.selectFrom('albums').selectAll().where('organization_id', '=', organizationId);
    if (onlyPublicIds) query = query.where('public_id', 'in', onlyPublicIds.length ? onlyPublicIds : ['']);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  }

  async count(organizationId: string, onlyPublicIds: string[] | null): Promise<number> {
    let query = this.db
      .selectFrom('albums')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId);
    if (onlyPublicIds) query = query.where('public_id', 'in', onlyPublicIds.length ? onlyPublicIds : ['']);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Adds `delta` to the album's image count in SQL, so concurrent changes never race. */
  async addToImagesCount(albumId: string, delta: number): Promise<void> {
    await this.db
      .updateTable('albums')
      .set((eb) => ({ images_count: eb('images_count', '+', delta) }))
      .where('id', '=', albumId)
      .execute();
  }

  async incrementViews(organizationId: string, albumId: string): Promise<void> {
    await this.db
      .updateTable('albums')
      .set((eb) => ({ views_count: eb('views_count', '+', 1) }))
      .where('organization_id', '=', organizationId)
      .where('id', '=', albumId)
      .execute();
  }
}
