import type { Kysely, Selectable } from 'kysely';
import type { AlbumTable, Database } from '../db/schema.ts';
import { timeOrderedUuid } from '../db/ids.ts';
import { chunked } from './chunks.ts';
import { offsetWindow } from './offset-window.ts';

export type Album = Selectable<AlbumTable>;

/** Where a page of albums (newest first) ends: its last album's sort key. */
export type AlbumPosition = Pick<Album, 'created_at' | 'id'>;

/** Albums, always addressed within one organization. */
export class AlbumsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * A new empty album of the organization, under `publicId` (its internal id when absent).
   * The internal id is time-ordered (see timeOrderedUuid): new keys land at the right edge of
   * the id index and, by default, of the (organization_id, public_id) key. One statement, so
   * no transaction: the organization's album count follows by trigger (migration 0008).
   */
  async create(organizationId: string, publicId?: string): Promise<Album> {
    const at = Date.now();
    const id = timeOrderedUuid(at);
    const now = new Date(at).toISOString();
    const album = { id, organization_id: organizationId, public_id: publicId ?? id, created_at: now, updated_at: now };
    await this.db.insertInto('albums').values(album).execute();
    return { ...album, images_count: 0, views_count: 0, trashed_count: 0 };
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
   * The organization's albums after `after` (null: from the newest), newest first, at most
   * `limit`; `onlyPublicIds` limits them to those albums (a restricted token), null means all.
   * A keyset page: it reads the (organization_id, created_at, id) index from its position on,
   * `limit` entries and their rows, however deep it is.
   */
  listAfter(organizationId: string, onlyPublicIds: string[] | null, limit: number, after: AlbumPosition | null): Promise<Album[]> {
    let query = this.db.selectFrom('albums').selectAll().where('organization_id', '=', organizationId);
    if (onlyPublicIds) query = query.where('public_id', 'in', onlyPublicIds.length ? onlyPublicIds : ['']);
    if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.created_at, after.id)));
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /**
   * One page of the organization's albums by offset, newest first (`page`/`per_page`).
   *
   * A page at an offset must skip the albums before it, which no index avoids: the page's ids
   * come from the (organization_id, created_at, id) index alone, and only those rows are read
   * (PostgreSQL otherwise read and sorted every album for the last pages). Given the exact
   * `total`, a page in the second half is read from the oldest end instead, so the skip is at
   * most half the albums and the last page costs what the first does. The first page is the
   * keyset one.
   */
  listPage(
    organizationId: string,
    onlyPublicIds: string[] | null,
    limit: number,
    offset: number,
    total?: number,
  ): Promise<Album[]> {
    if (offset === 0) return this.listAfter(organizationId, onlyPublicIds, limit, null);
    const window = offsetWindow(offset, limit, total);
    if (window.limit <= 0) return Promise.resolve([]);
    const direction = window.reverse ? 'asc' : 'desc';
    let ids = this.db.selectFrom('albums').select('id').where('organization_id', '=', organizationId);
    if (onlyPublicIds) ids = ids.where('public_id', 'in', onlyPublicIds.length ? onlyPublicIds : ['']);
    return this.db
      .selectFrom('albums')
      .selectAll()
      .where('id', 'in', ids.orderBy('created_at', direction).orderBy('id', direction).limit(window.limit).offset(window.offset))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /**
   * How many albums `onlyPublicIds` (null: every album of the organization) names: the
   * organization's counter, or a count bounded by the token's list.
   */
  async count(organizationId: string, onlyPublicIds: string[] | null): Promise<number> {
    if (onlyPublicIds === null) return (await this.organizationCounts(organizationId)).albums;
    if (!onlyPublicIds.length) return 0;
    let n = 0;
    for (const piece of chunked([...new Set(onlyPublicIds)])) {
      const row = await this.db
        .selectFrom('albums')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', organizationId)
        .where('public_id', 'in', piece)
        .executeTakeFirstOrThrow();
      n += Number(row.n);
    }
    return n;
  }

  /** The organization's albums and trashed images, from its counters (a few rows, whatever its size). */
  async organizationCounts(organizationId: string): Promise<{ albums: number; trashedImages: number }> {
    const row = await this.db
      .selectFrom('organization_counters')
      .select((eb) => [eb.fn.sum<number>('albums').as('albums'), eb.fn.sum<number>('trashed_images').as('trashed')])
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return { albums: Number(row?.albums ?? 0), trashedImages: Number(row?.trashed ?? 0) };
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
