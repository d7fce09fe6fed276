import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AlbumTable, Database } from '../db/schema.ts';
import { chunked } from './chunks.ts';

export type Album = Selectable<AlbumTable>;

/** Albums, always addressed within one organization. */
export class AlbumsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** A new empty album of the organization, under `publicId` (a fresh UUID when absent). */
  async create(organizationId: string, publicId?: string): Promise<Album> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const album = { id, organization_id: organizationId, public_id: publicId ?? id, created_at: now, updated_at: now };
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

  /** The organization's albums among `publicIds` (absent ones are simply missing). */
  async findManyByPublicIds(organizationId: string, publicIds: readonly string[]): Promise<Album[]> {
    const out: Album[] = [];
    for (const ids of chunked([...new Set(publicIds)])) {
      out.push(
        ...(await this.db
          .selectFrom('albums')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('public_id', 'in', ids)
          .execute()),
      );
    }
    return out;
  }

  /** The organization's albums among the internal `ids`. */
  async findManyByIds(organizationId: string, ids: readonly string[]): Promise<Album[]> {
    const out: Album[] = [];
    for (const piece of chunked([...new Set(ids)])) {
      out.push(
        ...(await this.db
          .selectFrom('albums')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('id', 'in', piece)
          .execute()),
      );
    }
    return out;
  }

  /** Gives the album another public id; a taken id fails with the database's unique violation. */
  async rename(organizationId: string, albumId: string, publicId: string, now: string): Promise<void> {
    await this.db
      .updateTable('albums')
      .set({ public_id: publicId, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', albumId)
      .execute();
  }

  /** Removes an album that no longer has any image row (live or trashed) nor batch. */
  async delete(organizationId: string, albumId: string): Promise<void> {
    await this.db.deleteFrom('albums').where('organization_id', '=', organizationId).where('id', '=', albumId).execute();
  }

  /**
   * One page of the organization's albums, newest first; `onlyPublicIds` limits the page to
   * those albums (a restricted token), null means all.
   *
   * A deep page must skip `offset` albums, which no query avoids. The page's ids are found
   * first from the (organization_id, created_at, id) index alone, and only those rows are
   * read: PostgreSQL otherwise read and sorted every album of the organization for the last
   * pages of a large one.
   */
  listPage(
    organizationId: string,
    onlyPublicIds: string[] | null,
    limit: number,
    offset: number,
  ): Promise<Album[]> {
    let ids = this.db.selectFrom('albums').select('id').where('organization_id', '=', organizationId);
    if (onlyPublicIds) ids = ids.where('public_id', 'in', onlyPublicIds.length ? onlyPublicIds : ['']);
    return this.db
      .selectFrom('albums')
      .selectAll()
      .where('id', 'in', ids.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
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

  /**
   * Applies several count changes, in album id order: under the organization lock the order
   * does not matter, but a fixed one keeps row locks deadlock-free even without it.
   */
  async addToImagesCounts(deltas: ReadonlyMap<string, number>): Promise<void> {
    for (const albumId of [...deltas.keys()].sort()) {
      const delta = deltas.get(albumId)!;
      if (delta !== 0) await this.addToImagesCount(albumId, delta);
    }
  }

  /** Adds `views` to the album's page views (a merge hands over the source's). */
  async addToViewsCount(albumId: string, views: number): Promise<void> {
    if (views === 0) return;
    await this.db
      .updateTable('albums')
      .set((eb) => ({ views_count: eb('views_count', '+', views) }))
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
