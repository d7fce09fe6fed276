import { CompiledQuery, type Kysely, type Selectable, sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Database, ImageMediaTable, ImageTable } from '../db/schema.ts';
import { chunked } from './chunks.ts';
import { offsetWindow } from './offset-window.ts';

/** The host's report on a stored original, shared by the rows showing it (image_media). */
export type MediaReport = Pick<Selectable<ImageMediaTable>, 'infos' | 'exifs' | 'faces' | 'colors'>;

/** An image as the API presents it: its row and the report on its media, joined. */
export type ImageRow = Selectable<ImageTable> & MediaReport;

/** The client-editable fields of an image that nobody has edited yet: how every new image starts. */
export const UNEDITED_IMAGE = {
  title: null,
  description: null,
  rotation: 0,
  crop_x: null,
  crop_y: null,
  crop_w: null,
  crop_h: null,
  metadatas: '{}',
  processed: 1,
  processing_error: null,
  deleted_at: null,
} as const satisfies Partial<Selectable<ImageTable>>;

/** The fields of an image its clients edit (PUT /images/:id, tags), as stored. */
export type ImageEdits = Partial<
  Pick<Selectable<ImageTable>, 'title' | 'description' | 'metadatas' | 'rotation' | 'crop_x' | 'crop_y' | 'crop_w' | 'crop_h' | 'width' | 'height' | 'tags'>
>;

/** How an album's listing is filtered and ordered. */
export interface ListOptions {
  sort?: { field: 'created_at' | 'taken_at'; order: 'asc' | 'desc' };
  tag?: string;
  /**
   * The exact number of rows the listing has (the album's `images_count` when no tag
   * filters), when the caller knows it: an offset page past the middle is then read from the
   * other end (see offsetWindow).
   */
  total?: number;
}

/** Where a page of an album's images ends: the sort key of its last image. */
export interface ImagePosition {
  /** Its capture time, for pages by `taken_at` (null: it has none, so it lists with the undated ones). */
  taken_at?: string | null;
  created_at: string;
  id: string;
}

/** Where a page of the trash ends: the sort key of its last image. */
export type TrashPosition = Pick<ImageRow, 'deleted_at' | 'created_at' | 'id'> & { deleted_at: string };

/** What locates an image's stored original at the media host (copies share it). */
export type MediaRef = Pick<ImageRow, 'type' | 'public_id' | 'version' | 'format'>;

/** The fields operations on many images need, without the heavy JSON columns. */
export type ImageRef = Pick<ImageRow, 'id' | 'album_id' | 'public_id' | 'deleted_at'> & MediaRef;

/** Two rows with the same public_id, one in each album of a merge or duplicate. */
export interface PublicIdClash {
  sourceId: string;
  sourceTrashed: boolean;
  destinationId: string;
  destinationTrashed: boolean;
}

const REF_COLUMNS = ['id', 'album_id', 'public_id', 'deleted_at', 'type', 'version', 'format'] as const;

/** Every column of `images` a copy takes over, for `duplicateInto` (the media report is shared, not copied). */
const COPIED_COLUMNS = [
  'organization_id',
  'public_id',
  'version',
  'type',
  'format',
  'width',
  'height',
  'original_width',
  'original_height',
  'size',
  'color',
  'phash',
  'gps_lat',
  'gps_lng',
  'taken_at',
  'filename',
  'title',
  'description',
  'rotation',
  'crop_x',
  'crop_y',
  'crop_w',
  'crop_h',
  'metadatas',
  'processed',
  'processing_error',
  'created_at',
] as const satisfies ReadonlyArray<keyof ImageTable>;

/** The join of an image row to its media report, for hand-written SQL. */
const MEDIA_JOIN = `join image_media as m on m.organization_id = i.organization_id and m.public_id = i.public_id
  and m.version = i.version and m.type = i.type`;

/** SQLite text of `unionNewest` per (number of albums, limit). */
const UNION_NEWEST_SQL = new Map<string, string>();

const mediaKey = (ref: MediaRef): string => JSON.stringify([ref.type, ref.public_id, ref.version]);

/** Image rows with their media report: the start of every query returning ImageRow (shares' too). */
export function imagesWithMedia(db: Kysely<Database>) {
  return db
    .selectFrom('images')
    .innerJoin('image_media as m', (join) =>
      join
        .onRef('m.organization_id', '=', 'images.organization_id')
        .onRef('m.public_id', '=', 'images.public_id')
        .onRef('m.version', '=', 'images.version')
        .onRef('m.type', '=', 'images.type'),
    )
    .selectAll('images')
    .select(['m.infos', 'm.exifs', 'm.faces', 'm.colors']);
}

/** Images of albums; "live" images are those not in the trash. */
export class ImagesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Inserts the image unless the album already has one with that public_id; true when
   * inserted. Its media report is recorded once per stored original (the first report wins:
   * the host reports the same original the same way).
   */
  async insertOnce(image: ImageRow): Promise<boolean> {
    const { infos, exifs, faces, colors, ...row } = image;
    await this.db
      .insertInto('image_media')
      .values({ organization_id: row.organization_id, type: row.type, public_id: row.public_id, version: row.version, infos, exifs, faces, colors })
      .onConflict((oc) => oc.columns(['organization_id', 'public_id', 'version', 'type']).doNothing())
      .execute();
    const result = await this.db
      .insertInto('images')
      .values(row)
      .onConflict((oc) => oc.columns(['album_id', 'public_id']).doNothing())
      .executeTakeFirst();
    const inserted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    if (inserted && row.deleted_at !== null) await this.addToTrashed(row.organization_id, new Map([[row.album_id, 1]]));
    return inserted;
  }

  private withMedia() {
    return imagesWithMedia(this.db);
  }

  /**
   * The newest live images of each album, at most `perAlbum` each, newest first (album list
   * thumbnails). The cost must not grow with the albums' sizes, as ranking every image of the
   * page's albums with a window function does (measured: 25 albums of 400 images, 86 ms on
   * SQLite, 27 ms on PostgreSQL). So each album reads at most `perAlbum` entries of the
   * (album_id, deleted_at, created_at, id) index, already in order: PostgreSQL in one LATERAL
   * join (ordered by deleted_at too, see `listPage`); SQLite, which
   * has no LATERAL, in one UNION ALL of per-album LIMIT branches, unless the albums are so
   * small that the window function reads about as much and costs less to run.
   */
  async newestByAlbum(albums: ReadonlyArray<{ id: string; images_count: number }>, perAlbum: number): Promise<Map<string, ImageRow[]>> {
    const result = new Map<string, ImageRow[]>(albums.map((a) => [a.id, []]));
    const limit = Math.max(0, Math.floor(perAlbum));
    // `images_count` is exact: albums without live images need no read (a page of new albums, none).
    const ids = albums.filter((a) => a.images_count > 0).map((a) => a.id);
    if (!ids.length || limit === 0) return result;
    let rows: ImageRow[];
    if (this.dialect === 'postgres') {
      // The LATERAL picks ids only: an index-only scan, already in order, which the planner
      // takes even when it guesses albums hold a few images (a whole-row scan plus sort won
      // its estimate and read every image of large albums).
      rows = (
        await sql<ImageRow>`select i.*, m.infos, m.exifs, m.faces, m.colors from unnest(${ids}::text[]) as a(id) cross join lateral (
          select id from images where album_id = a.id and deleted_at is null
          order by deleted_at desc, created_at desc, id desc limit ${limit}) as newest
          join images as i on i.id = newest.id ${sql.raw(MEDIA_JOIN)}`.execute(this.db)
      ).rows;
    } else {
      rows = [];
      const small = albums.reduce((n, a) => n + a.images_count, 0) <= ids.length * limit * 4;
      // 200 albums per statement: SQLite allows 500 terms in a compound SELECT.
      for (const piece of chunked(ids, 200)) rows.push(...(small ? await this.rankedNewest(piece, limit) : await this.unionNewest(piece, limit)));
    }
    for (const row of rows) result.get(row.album_id)!.push(row);
    const newestFirst = (x: ImageRow, y: ImageRow) =>
      x.created_at < y.created_at ? 1 : x.created_at > y.created_at ? -1 : x.id < y.id ? 1 : x.id > y.id ? -1 : 0;
    for (const list of result.values()) list.sort(newestFirst);
    return result;
  }

  /** SQLite, small albums: rank every live image of the albums, keep the first `limit` of each. */
  private async rankedNewest(albumIds: string[], limit: number): Promise<ImageRow[]> {
    const ranked = this.db
      .selectFrom('images')
      .select('id')
      .select((sub) =>
        sub.fn
          .agg<number>('row_number')
          .over((over) => over.partitionBy('album_id').orderBy('created_at', 'desc').orderBy('id', 'desc'))
          .as('rank'),
      )
      .where('album_id', 'in', albumIds)
      .where('deleted_at', 'is', null)
      .as('ranked');
    return this.withMedia()
      .innerJoin(ranked, 'ranked.id', 'images.id')
      .where('ranked.rank', '<=', limit)
      .execute();
  }

  /**
   * SQLite: one `ORDER BY ... LIMIT` branch per album, glued with UNION ALL. The text depends
   * only on the number of albums and the limit, so it is built once and its prepared statement
   * reused; building it with the query builder each time cost more than running it.
   */
  private async unionNewest(albumIds: string[], limit: number): Promise<ImageRow[]> {
    const key = `${albumIds.length}:${limit}`;
    let text = UNION_NEWEST_SQL.get(key);
    if (!text) {
      const branches = albumIds
        .map(
          (_, i) =>
            `select * from (select * from images where album_id = ? and deleted_at is null order by created_at desc, id desc limit ${limit}) as newest${i}`,
        )
        .join(' union all ');
      text = `select i.*, m.infos, m.exifs, m.faces, m.colors from (${branches}) as i ${MEDIA_JOIN}`;
      UNION_NEWEST_SQL.set(key, text);
    }
    return (await this.db.executeQuery<ImageRow>(CompiledQuery.raw(text, albumIds))).rows;
  }

  /**
   * An album's live images after `after` (null: from the first), newest first unless `sort`
   * says otherwise (by capture time, images without one last); only those tagged `tag` when
   * given; at most `limit`. A keyset page: it reads its index from its position on, so every
   * page costs what the first does (with `tag`, plus the untagged rows passed over).
   *
   * By capture time, the dated images come from (album_id, deleted_at, taken_at, created_at,
   * id) in order, then, when the page is not full, the undated ones from the same index:
   * two range reads rather than one ORDER BY on `taken_at IS NULL`, which no index serves.
   */
  async listAfter(albumId: string, limit: number, after: ImagePosition | null, options: ListOptions = {}): Promise<ImageRow[]> {
    const { field = 'created_at', order = 'desc' } = options.sort ?? {};
    const beyond = order === 'desc' ? '<' : '>';
    const live = () => {
      // deleted_at is NULL in every row here, so ordering by it changes nothing, but it lets
      // PostgreSQL read the rows in the index's order instead of sorting the whole album: it
      // does not treat IS NULL as fixing the column. The same goes for taken_at below.
      let query = this.withMedia().where('images.album_id', '=', albumId).where('images.deleted_at', 'is', null).orderBy('images.deleted_at', order);
      if (options.tag !== undefined) query = query.where(this.taggedWith(options.tag));
      return query;
    };
    if (field === 'created_at') {
      let query = live();
      if (after) query = query.where((eb) => eb(eb.refTuple('images.created_at', 'images.id'), beyond, eb.tuple(after.created_at, after.id)));
      return query.orderBy('images.created_at', order).orderBy('images.id', order).limit(limit).execute();
    }
    const rows: ImageRow[] = [];
    const afterTaken = after?.taken_at ?? null;
    if (!after || afterTaken !== null) {
      let dated = live().where('images.taken_at', 'is not', null);
      if (after) {
        dated = dated.where((eb) =>
          eb(eb.refTuple('images.taken_at', 'images.created_at', 'images.id'), beyond, eb.tuple(afterTaken!, after.created_at, after.id)),
        );
      }
      rows.push(...(await dated.orderBy('images.taken_at', order).orderBy('images.created_at', order).orderBy('images.id', order).limit(limit).execute()));
    }
    if (rows.length < limit) {
      let undated = live().where('images.taken_at', 'is', null);
      if (after && afterTaken === null) {
        undated = undated.where((eb) => eb(eb.refTuple('images.created_at', 'images.id'), beyond, eb.tuple(after.created_at, after.id)));
      }
      rows.push(
        ...(await undated
          .orderBy('images.taken_at', order)
          .orderBy('images.created_at', order)
          .orderBy('images.id', order)
          .limit(limit - rows.length)
          .execute()),
      );
    }
    return rows;
  }

  /**
   * One page of an album's live images by offset (`page`/`per_page`), in the order of
   * `listAfter`. The page's ids come from the index alone and only those rows are read and
   * joined to their media. Skipping the rows before the page is linear in the offset; newest
   * or oldest first with the exact `options.total`, a page past the middle is read from the
   * other end, so that the last page costs what the first does. By capture time, a page after
   * the first sorts the album's live images (no index orders `taken_at IS NULL` first): linear
   * in the album. The first page is the keyset one, in index order whatever the sort.
   */
  listPage(albumId: string, limit: number, offset: number, options: ListOptions = {}): Promise<ImageRow[]> {
    if (offset === 0) return this.listAfter(albumId, limit, null, options);
    const { field = 'created_at', order = 'desc' } = options.sort ?? {};
    const window = field === 'created_at' ? offsetWindow(offset, limit, options.total) : { reverse: false, offset, limit };
    if (window.limit <= 0) return Promise.resolve([]);
    const direction = window.reverse ? (order === 'desc' ? 'asc' : 'desc') : order;
    let ids = this.db.selectFrom('images').select('images.id').where('images.album_id', '=', albumId).where('images.deleted_at', 'is', null);
    if (options.tag !== undefined) ids = ids.where(this.taggedWith(options.tag));
    ids = ids.orderBy('images.deleted_at', direction);
    if (field === 'taken_at') ids = ids.orderBy(sql`images.taken_at is null`).orderBy('images.taken_at', direction);
    ids = ids.orderBy('images.created_at', direction).orderBy('images.id', direction).limit(window.limit).offset(window.offset);
    let query = this.withMedia().where('images.id', 'in', ids);
    if (field === 'taken_at') query = query.orderBy(sql`images.taken_at is null`).orderBy('images.taken_at', order);
    return query.orderBy('images.created_at', order).orderBy('images.id', order).execute();
  }

  /** How many live images of the album are tagged `tag`. */
  async countTagged(albumId: string, tag: string): Promise<number> {
    const row = await this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('album_id', '=', albumId)
      .where('deleted_at', 'is', null)
      .where(this.taggedWith(tag))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** `images.tags` (JSON `[{name, labels}]`) holds a tag named `tag`. */
  private taggedWith(tag: string) {
    return this.dialect === 'postgres'
      ? sql<boolean>`cast(images.tags as jsonb) @> ${JSON.stringify([{ name: tag }])}::jsonb`
      : sql<boolean>`exists (select 1 from json_each(images.tags) where json_extract(value, '$.name') = ${tag})`;
  }

  /** The album's image (live or trashed) with this public_id, if any. */
  findInAlbum(albumId: string, publicId: string): Promise<ImageRow | undefined> {
    return this.withMedia().where('images.album_id', '=', albumId).where('images.public_id', '=', publicId).executeTakeFirst();
  }

  /** Sets client-editable fields of one image. */
  async update(organizationId: string, id: string, fields: ImageEdits, now: string): Promise<void> {
    await this.db
      .updateTable('images')
      .set({ ...fields, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .execute();
  }

  find(organizationId: string, id: string): Promise<ImageRow | undefined> {
    return this.withMedia().where('images.organization_id', '=', organizationId).where('images.id', '=', id).executeTakeFirst();
  }

  /** The organization's live images among `ids` (unknown, trashed or foreign ones are missing). */
  async findLive(organizationId: string, ids: readonly string[]): Promise<ImageRef[]> {
    const out: ImageRef[] = [];
    for (const piece of chunked([...new Set(ids)])) {
      out.push(
        ...(await this.db
          .selectFrom('images')
          .select(REF_COLUMNS)
          .where('organization_id', '=', organizationId)
          .where('id', 'in', piece)
          .where('deleted_at', 'is', null)
          .execute()),
      );
    }
    return out;
  }

  /** Full rows of the organization's images among `ids`, in no particular order. */
  async findMany(organizationId: string, ids: readonly string[]): Promise<ImageRow[]> {
    const out: ImageRow[] = [];
    for (const piece of chunked([...new Set(ids)])) {
      out.push(
        ...(await this.withMedia().where('images.organization_id', '=', organizationId).where('images.id', 'in', piece).execute()),
      );
    }
    return out;
  }

  /** Rows (live or trashed) of the given albums whose public_id is among `publicIds`. */
  async findByPublicIds(organizationId: string, albumIds: ReadonlySet<string>, publicIds: readonly string[]): Promise<ImageRef[]> {
    const out: ImageRef[] = [];
    for (const piece of chunked([...new Set(publicIds)])) {
      const rows = await this.db
        .selectFrom('images')
        .select(REF_COLUMNS)
        .where('organization_id', '=', organizationId)
        .where('public_id', 'in', piece)
        .execute();
      out.push(...rows.filter((row) => albumIds.has(row.album_id)));
    }
    return out;
  }

  async countLive(albumId: string): Promise<number> {
    const row = await this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('album_id', '=', albumId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Pairs of rows sharing a public_id between two albums (live or trashed on either side). */
  async clashes(organizationId: string, sourceAlbumId: string, destinationAlbumId: string): Promise<PublicIdClash[]> {
    const rows = await this.db
      .selectFrom('images as s')
      .innerJoin('images as d', (join) => join.onRef('d.public_id', '=', 's.public_id').on('d.album_id', '=', destinationAlbumId))
      .select(['s.id as sourceId', 's.deleted_at as sourceDeletedAt', 'd.id as destinationId', 'd.deleted_at as destinationDeletedAt'])
      .where('s.organization_id', '=', organizationId)
      .where('s.album_id', '=', sourceAlbumId)
      .execute();
    return rows.map((r) => ({
      sourceId: r.sourceId,
      sourceTrashed: r.sourceDeletedAt !== null,
      destinationId: r.destinationId,
      destinationTrashed: r.destinationDeletedAt !== null,
    }));
  }

  /**
   * Deletes rows for good, and the media reports no row of the organization shows any more;
   * returns the stored media the rows referenced (which may now be unused). The trash counts
   * follow for the trashed rows among them; live counts (`images_count`) are the caller's,
   * who knows whether the rows left their album or came back elsewhere.
   */
  async deleteRows(organizationId: string, ids: readonly string[]): Promise<MediaRef[]> {
    const out: MediaRef[] = [];
    const trashed = new Map<string, number>();
    for (const piece of chunked([...new Set(ids)])) {
      const rows = await this.db
        .deleteFrom('images')
        .where('organization_id', '=', organizationId)
        .where('id', 'in', piece)
        .returning(['type', 'public_id', 'version', 'format', 'album_id', 'deleted_at'])
        .execute();
      for (const { album_id, deleted_at, ...ref } of rows) {
        out.push(ref);
        if (deleted_at !== null) trashed.set(album_id, (trashed.get(album_id) ?? 0) - 1);
      }
    }
    await this.addToTrashed(organizationId, trashed);
    for (const piece of chunked([...new Set(out.map((ref) => ref.public_id))])) {
      await this.db
        .deleteFrom('image_media')
        .where('organization_id', '=', organizationId)
        .where('public_id', 'in', piece)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('images as i')
                .select('i.id')
                .whereRef('i.public_id', '=', 'image_media.public_id')
                .whereRef('i.version', '=', 'image_media.version')
                .whereRef('i.type', '=', 'image_media.type')
                .whereRef('i.organization_id', '=', 'image_media.organization_id'),
            ),
          ),
        )
        .execute();
    }
    return out;
  }

  /** Points live images at another album (row ids, and so image ids, stay); the caller moves their counts. */
  async setAlbum(organizationId: string, ids: readonly string[], albumId: string, now: string): Promise<void> {
    for (const piece of chunked([...new Set(ids)])) {
      await this.db
        .updateTable('images')
        .set({ album_id: albumId, updated_at: now })
        .where('organization_id', '=', organizationId)
        .where('id', 'in', piece)
        .where('deleted_at', 'is', null)
        .execute();
    }
  }

  /**
   * Points every row of one album, live and trashed, at another; returns the moved rows. The
   * trashed ones' count moves with them; the live count is the caller's.
   */
  async moveAlbum(organizationId: string, fromAlbumId: string, toAlbumId: string, now: string): Promise<Array<Pick<ImageRow, 'id' | 'deleted_at'>>> {
    const rows = await this.db
      .updateTable('images')
      .set({ album_id: toAlbumId, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('album_id', '=', fromAlbumId)
      .returning(['id', 'deleted_at'])
      .execute();
    const trashed = rows.filter((row) => row.deleted_at !== null).length;
    await this.addToTrashed(organizationId, new Map([[fromAlbumId, -trashed], [toAlbumId, trashed]]));
    return rows;
  }

  /** Puts live images in the trash, and counts them there; the live count is the caller's. */
  async trash(organizationId: string, ids: readonly string[], now: string): Promise<number> {
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
    await this.addToTrashed(organizationId, trashed);
    return n;
  }

  /** Takes an image out of the trash; true when it was there. The live count is the caller's. */
  async restore(organizationId: string, id: string, now: string): Promise<boolean> {
    const row = await this.db
      .updateTable('images')
      .set({ deleted_at: null, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .returning('album_id')
      .executeTakeFirst();
    if (row) await this.addToTrashed(organizationId, new Map([[row.album_id, -1]]));
    return row !== undefined;
  }

  /**
   * Adds trashed-image deltas to their albums' `trashed_count` and their sum to the
   * organization's counter (slot 0: these changes run under the organization's lock), in the
   * caller's transaction. Albums in id order, as addToImagesCounts does.
   */
  private async addToTrashed(organizationId: string, deltas: ReadonlyMap<string, number>): Promise<void> {
    let total = 0;
    for (const albumId of [...deltas.keys()].sort()) {
      const delta = deltas.get(albumId)!;
      if (delta === 0) continue;
      total += delta;
      await this.db
        .updateTable('albums')
        .set((eb) => ({ trashed_count: eb('trashed_count', '+', delta) }))
        .where('id', '=', albumId)
        .execute();
    }
    if (total === 0) return;
    await this.db
      .insertInto('organization_counters')
      .values({ organization_id: organizationId, slot: 0, trashed_images: total })
      .onConflict((oc) =>
        oc.columns(['organization_id', 'slot']).doUpdateSet((eb) => ({
          trashed_images: eb('organization_counters.trashed_images', '+', eb.ref('excluded.trashed_images')),
        })),
      )
      .execute();
  }

  /**
   * Copies an album's live images into another album in one INSERT ... SELECT: new rows with
   * new ids that share the stored media (same public_id, version and format), nothing read
   * into the process. Images whose public_id the destination already holds (live or
   * trashed) are not copied. Returns the new rows' ids.
   */
  async duplicateInto(
    organizationId: string,
    sourceAlbumId: string,
    destinationAlbumId: string,
    options: { copyTags: boolean; now: string },
  ): Promise<string[]> {
    // New UUIDs are made by the database, row by row: PostgreSQL has gen_random_uuid(); for
    // SQLite a version-4 UUID is spelled out from randomblob().
    const newId =
      this.dialect === 'postgres'
        ? sql<string>`gen_random_uuid()::text`
        : sql<string>`lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
    const rows = await this.db
      .insertInto('images')
      .columns(['id', 'album_id', ...COPIED_COLUMNS, 'tags', 'updated_at', 'deleted_at'])
      .expression(
        this.db
          .selectFrom('images as s')
          .select(newId.as('id'))
          // Parameters in a select list need a type on PostgreSQL, hence the casts.
          .select(sql<string>`cast(${destinationAlbumId} as text)`.as('album_id'))
          .select(COPIED_COLUMNS.map((column) => `s.${column}` as const))
          .select(options.copyTags ? sql<string>`s.tags`.as('tags') : sql<string>`cast(${'[]'} as text)`.as('tags'))
          .select(sql<string>`cast(${options.now} as text)`.as('updated_at'))
          .select(sql<null>`cast(null as text)`.as('deleted_at'))
          .where('s.organization_id', '=', organizationId)
          .where('s.album_id', '=', sourceAlbumId)
          .where('s.deleted_at', 'is', null)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('images as d')
                  .select('d.id')
                  .where('d.album_id', '=', destinationAlbumId)
                  .whereRef('d.public_id', '=', 's.public_id'),
              ),
            ),
          ),
      )
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
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
  listTrashAfter(organizationId: string, albumIds: readonly string[] | null, limit: number, after: TrashPosition | null): Promise<ImageRow[]> {
    let query = this.withMedia().where(this.trashOf(organizationId, albumIds));
    if (after) {
      query = query.where((eb) =>
        eb(eb.refTuple('images.deleted_at', 'images.created_at', 'images.id'), '<', eb.tuple(after.deleted_at, after.created_at, after.id)),
      );
    }
    return query.orderBy('images.deleted_at', 'desc').orderBy('images.created_at', 'desc').orderBy('images.id', 'desc').limit(limit).execute();
  }

  /**
   * One page of the trash by offset, in the order of `listTrashAfter`: ids from the index
   * alone, then only the page's rows; with the exact `total`, a page past the middle is read
   * from the other end (see offsetWindow).
   */
  listTrash(organizationId: string, albumIds: readonly string[] | null, limit: number, offset: number, total?: number): Promise<ImageRow[]> {
    if (offset === 0) return this.listTrashAfter(organizationId, albumIds, limit, null);
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
    return this.withMedia()
      .where('images.id', 'in', ids)
      .orderBy('images.deleted_at', 'desc')
      .orderBy('images.created_at', 'desc')
      .orderBy('images.id', 'desc')
      .execute();
  }

  /**
   * The trashed rows of `albumIds` (albums of the organization, as the caller checked), or of
   * the whole organization. One album's are asked by album only: with the organization named
   * too, SQLite's planner (without statistics) may take the organization's trash index and
   * pass over every other album's trash.
   */
  private trashOf(organizationId: string, albumIds: readonly string[] | null) {
    if (albumIds?.length === 1) return sql<boolean>`images.deleted_at is not null and images.album_id = ${albumIds[0]!}`;
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

  /**
   * The subset of `refs` no row references any more, live or trashed, in any organization:
   * stored media is shared by every copy of an image, and the store does not know tenants.
   */
  async unreferenced(refs: readonly MediaRef[]): Promise<MediaRef[]> {
    const unique = new Map(refs.map((ref) => [mediaKey(ref), ref]));
    const used = new Set<string>();
    for (const piece of chunked([...unique.values()], 400)) {
      const rows = await this.db
        .selectFrom('images')
        .select(['type', 'public_id', 'version'])
        .distinct()
        .where(
          'public_id',
          'in',
          piece.map((r) => r.public_id),
        )
        .execute();
      for (const row of rows) used.add(mediaKey({ ...row, format: '' }));
    }
    return [...unique.values()].filter((ref) => !used.has(mediaKey(ref)));
  }

  /** An album's live images created in (after, until], oldest first, at most `limit`. */
  liveCreatedBetween(albumId: string, after: string | null, until: string, limit: number): Promise<ImageRow[]> {
    let query = this.withMedia()
      .where('images.album_id', '=', albumId)
      .where('images.deleted_at', 'is', null)
      .where('images.created_at', '<=', until);
    if (after !== null) query = query.where('images.created_at', '>', after);
    return query.orderBy('images.created_at').orderBy('images.id').limit(limit).execute();
  }

  async countLiveCreatedBetween(albumId: string, after: string | null, until: string): Promise<number> {
    let query = this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('album_id', '=', albumId)
      .where('deleted_at', 'is', null)
      .where('created_at', '<=', until);
    if (after !== null) query = query.where('created_at', '>', after);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }
}
