/**
 * Rows of images in their albums: insert, find, list, edit, move, delete. The trash is
 * trash.repository.ts, the media reports rows share image-media.ts, the newest images of a
 * page of albums newest-images.ts.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Database, ImageTable } from '../db/schema.ts';
import { chunked } from './chunks.ts';
import { imagesWithMedia, type MediaReport, pruneMediaReports, recordMediaReport } from './image-media.ts';
import { newestImages } from './newest-images.ts';
import { offsetWindow } from './offset-window.ts';
import { albumOfOrganization, ofOrganization } from './tenancy.ts';
import { addToTrashedCounts } from './trash-counts.ts';

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

/** The columns of an ImageRef. */
export const REF_COLUMNS = ['id', 'album_id', 'public_id', 'deleted_at', 'type', 'version', 'format'] as const;

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

/** Images of albums; "live" images are those not in the trash. */
export class ImagesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Inserts the image into the organization unless the album already has one with that
   * public_id; true when inserted. Its media report is recorded once per stored original.
   */
  async insertOnce(organizationId: string, image: ImageRow): Promise<boolean> {
    await recordMediaReport(this.db, organizationId, image);
    const { infos: _infos, exifs: _exifs, faces: _faces, colors: _colors, ...row } = ofOrganization(organizationId, image);
    const result = await this.db
      .insertInto('images')
      .values(row)
      .onConflict((oc) => oc.columns(['album_id', 'public_id']).doNothing())
      .executeTakeFirst();
    const inserted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    if (inserted && row.deleted_at !== null) await addToTrashedCounts(this.db, organizationId, new Map([[row.album_id, 1]]));
    return inserted;
  }

  private withMedia() {
    return imagesWithMedia(this.db);
  }

  /** The newest live images of each of the organization's `albums`, at most `perAlbum` each, newest first (see newest-images.ts). */
  newestByAlbum(organizationId: string, albums: ReadonlyArray<{ id: string; images_count: number }>, perAlbum: number): Promise<Map<string, ImageRow[]>> {
    return newestImages(this.db, this.dialect, organizationId, albums, perAlbum);
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
  async listAfter(organizationId: string, albumId: string, limit: number, after: ImagePosition | null, options: ListOptions = {}): Promise<ImageRow[]> {
    const { field = 'created_at', order = 'desc' } = options.sort ?? {};
    const beyond = order === 'desc' ? '<' : '>';
    const live = () => {
      // deleted_at is NULL in every row here, so ordering by it changes nothing, but it lets
      // PostgreSQL read the rows in the index's order instead of sorting the whole album: it
      // does not treat IS NULL as fixing the column. The same goes for taken_at below.
      let query = this.withMedia()
        .where('images.organization_id', '=', organizationId)
        .where('images.album_id', '=', albumId)
        .where('images.deleted_at', 'is', null)
        .orderBy('images.deleted_at', order);
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
   * in the album. The first page is the keyset one, in index order whatever the sort. The
   * organization is checked on the album, so that the ids stay an index-only read (on the
   * page's rows, it let SQLite start from the organization's media reports instead).
   */
  listPage(organizationId: string, albumId: string, limit: number, offset: number, options: ListOptions = {}): Promise<ImageRow[]> {
    if (offset === 0) return this.listAfter(organizationId, albumId, limit, null, options);
    const { field = 'created_at', order = 'desc' } = options.sort ?? {};
    const window = field === 'created_at' ? offsetWindow(offset, limit, options.total) : { reverse: false, offset, limit };
    if (window.limit <= 0) return Promise.resolve([]);
    const direction = window.reverse ? (order === 'desc' ? 'asc' : 'desc') : order;
    let ids = this.db
      .selectFrom('images')
      .select('images.id')
      .where(albumOfOrganization(organizationId, albumId))
      .where('images.album_id', '=', albumId)
      .where('images.deleted_at', 'is', null);
    if (options.tag !== undefined) ids = ids.where(this.taggedWith(options.tag));
    ids = ids.orderBy('images.deleted_at', direction);
    if (field === 'taken_at') ids = ids.orderBy(sql`images.taken_at is null`).orderBy('images.taken_at', direction);
    ids = ids.orderBy('images.created_at', direction).orderBy('images.id', direction).limit(window.limit).offset(window.offset);
    let query = this.withMedia().where('images.id', 'in', ids);
    if (field === 'taken_at') query = query.orderBy(sql`images.taken_at is null`).orderBy('images.taken_at', order);
    return query.orderBy('images.created_at', order).orderBy('images.id', order).execute();
  }

  /** How many live images of the album are tagged `tag`. */
  async countTagged(organizationId: string, albumId: string, tag: string): Promise<number> {
    const row = await this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
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
  findInAlbum(organizationId: string, albumId: string, publicId: string): Promise<ImageRow | undefined> {
    return this.withMedia()
      .where('images.organization_id', '=', organizationId)
      .where('images.album_id', '=', albumId)
      .where('images.public_id', '=', publicId)
      .executeTakeFirst();
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

  /** Pairs of rows sharing a public_id between two albums (live or trashed on either side). */
  async clashes(organizationId: string, sourceAlbumId: string, destinationAlbumId: string): Promise<PublicIdClash[]> {
    const rows = await this.db
      .selectFrom('images as s')
      .innerJoin('images as d', (join) =>
        join.onRef('d.public_id', '=', 's.public_id').on('d.organization_id', '=', organizationId).on('d.album_id', '=', destinationAlbumId),
      )
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
    await addToTrashedCounts(this.db, organizationId, trashed);
    await pruneMediaReports(this.db, organizationId, out.map((ref) => ref.public_id));
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
    await addToTrashedCounts(this.db, organizationId, new Map([[fromAlbumId, -trashed], [toAlbumId, trashed]]));
    return rows;
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
                  .where('d.organization_id', '=', organizationId)
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

  /** An album's live images created in (after, until], oldest first, at most `limit`. */
  liveCreatedBetween(organizationId: string, albumId: string, after: string | null, until: string, limit: number): Promise<ImageRow[]> {
    let query = this.withMedia()
      .where('images.organization_id', '=', organizationId)
      .where('images.album_id', '=', albumId)
      .where('images.deleted_at', 'is', null)
      .where('images.created_at', '<=', until);
    if (after !== null) query = query.where('images.created_at', '>', after);
    return query.orderBy('images.created_at').orderBy('images.id').limit(limit).execute();
  }

  /** How many of an album's live images were created in (after, until]: a count from the album's index alone, the organization checked on the album. */
  async countLiveCreatedBetween(organizationId: string, albumId: string, after: string | null, until: string): Promise<number> {
    let query = this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(albumOfOrganization(organizationId, albumId))
      .where('album_id', '=', albumId)
      .where('deleted_at', 'is', null)
      .where('created_at', '<=', until);
    if (after !== null) query = query.where('created_at', '>', after);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }
}
