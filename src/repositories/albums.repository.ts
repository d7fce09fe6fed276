import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../db/errors.ts';
import type { AlbumTable, Database } from '../db/schema.ts';
import { timeOrderedUuid } from '../db/ids.ts';
import { chunked } from './chunks.ts';
import { offsetWindow } from './offset-window.ts';
import { PreparedQuery } from './prepared-query.ts';

export type Album = Selectable<AlbumTable>;

/** Where a page of albums (newest first) ends: its last album's sort key. */
export type AlbumPosition = Pick<Album, 'created_at' | 'id'>;

/** The organization already has an album of that public id. */
export class AlbumIdTakenError extends Error {
  constructor(
    readonly publicId: string,
    options?: { cause?: unknown },
  ) {
    super(`Album ${publicId} already exists`, options);
    this.name = 'AlbumIdTakenError';
  }
}

/** Albums, always addressed within one organization. */
export class AlbumsRepository {
  // Every album request reads its album by public id, and every create inserts one.
  private readonly byPublicId: PreparedQuery<Album>;
  private readonly insert: PreparedQuery<unknown>;

  constructor(private readonly db: Kysely<Database>) {
    this.byPublicId = new PreparedQuery(db, 2, (over, organizationId, publicId) =>
      over.selectFrom('albums').selectAll().where('organization_id', '=', organizationId).where('public_id', '=', publicId),
    );
    this.insert = new PreparedQuery(db, 5, (over, id, organization_id, public_id, created_at, updated_at) =>
      over.insertInto('albums').values({ id, organization_id, public_id, created_at, updated_at }),
    );
  }

  /**
   * A new empty album of the organization, under `publicId` (its internal id when absent);
   * AlbumIdTakenError when the organization has one of that id. The internal id is
   * time-ordered (see timeOrderedUuid): new keys land at the right edge of the id index and,
   * by default, of the (organization_id, public_id) key. One statement, so no transaction:
   * the organization's album count follows by trigger (migration 0008).
   */
  async create(organizationId: string, publicId?: string): Promise<Album> {
    const album = newAlbum(organizationId, publicId);
    try {
      await this.insert.execute(album.id, album.organization_id, album.public_id, album.created_at, album.updated_at);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlbumIdTakenError(album.public_id, { cause: err });
      throw err;
    }
    return { ...album, images_count: 0, views_count: 0, trashed_count: 0 };
  }

  /**
   * The organization's album `publicId`, created empty when it has none. A concurrent
   * creation of the same id is no error: its album is the one (the insert does nothing and
   * the read finds it), inside a transaction as well, which a failed insert would abort on
   * PostgreSQL.
   */
  async findOrCreate(organizationId: string, publicId: string): Promise<Album> {
    const album = newAlbum(organizationId, publicId);
    const inserted = await this.db
      .insertInto('albums')
      .values(album)
      .onConflict((oc) => oc.columns(['organization_id', 'public_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { ...album, images_count: 0, views_count: 0, trashed_count: 0 };
    const found = await this.findByPublicId(organizationId, publicId);
    if (!found) throw new Error(`Album ${publicId} neither inserted nor found`);
    return found;
  }

  findByPublicId(organizationId: string, publicId: string): Promise<Album | undefined> {
    return this.byPublicId.executeTakeFirst(organizationId, publicId);
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

  /** Gives the album another public id; AlbumIdTakenError when the organization has one of that id. */
  async rename(organizationId: string, albumId: string, publicId: string, now: string): Promise<void> {
    try {
      await this.db
        .updateTable('albums')
        .set({ public_id: publicId, updated_at: now })
        .where('organization_id', '=', organizationId)
        .where('id', '=', albumId)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlbumIdTakenError(publicId, { cause: err });
      throw err;
    }
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

  /**
   * The one way live image counts change: `changes` (album id, +/- images) summed per album
   * and added in SQL, so concurrent changes never race, in album id order: under the
   * organization lock the order does not matter, but a fixed one keeps row locks
   * deadlock-free even without it.
   */
  async addToImagesCounts(organizationId: string, changes: Iterable<readonly [albumId: string, delta: number]>): Promise<void> {
    const deltas = new Map<string, number>();
    for (const [albumId, delta] of changes) deltas.set(albumId, (deltas.get(albumId) ?? 0) + delta);
    for (const albumId of [...deltas.keys()].sort()) {
      const delta = deltas.get(albumId) ?? 0;
      if (delta === 0) continue;
      await this.db
        .updateTable('albums')
        .set((eb) => ({ images_count: eb('images_count', '+', delta) }))
        .where('organization_id', '=', organizationId)
        .where('id', '=', albumId)
        .execute();
    }
  }

  /** Adds `views` to the album's page views (a merge hands over the source's). */
  async addToViewsCount(organizationId: string, albumId: string, views: number): Promise<void> {
    if (views === 0) return;
    await this.db
      .updateTable('albums')
      .set((eb) => ({ views_count: eb('views_count', '+', views) }))
      .where('organization_id', '=', organizationId)
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

/** A new album's row: the internal id time-ordered (see AlbumsRepository.create). */
function newAlbum(organizationId: string, publicId: string | undefined) {
  const at = Date.now();
  const id = timeOrderedUuid(at);
  const now = new Date(at).toISOString();
  return { id, organization_id: organizationId, public_id: publicId ?? id, created_at: now, updated_at: now };
}
