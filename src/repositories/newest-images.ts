/**
 * The newest live images of each of a page of albums (album list thumbnails), one query per
 * dialect. The cost must not grow with the albums' sizes, as ranking every image of the
 * page's albums with a window function does (measured: 25 albums of 400 images, 86 ms on
 * SQLite, 27 ms on PostgreSQL). So each album reads at most `perAlbum` entries of the
 * (album_id, deleted_at, created_at, id) index, already in order: PostgreSQL in one LATERAL
 * join (ordered by deleted_at too, see ImagesRepository.listPage); SQLite, which has no
 * LATERAL, in one UNION ALL of per-album LIMIT branches, unless the albums are so small that
 * the window function reads about as much and costs less to run. Each reads ids from the
 * index alone and filters the organization on the rows it then reads.
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { chunked } from './chunks.ts';
import { imagesWithMedia, MEDIA_JOIN } from './image-media.ts';
import type { ImageRow } from './images.repository.ts';

/** SQLite text of `unionNewest` per (number of albums, limit). */
const UNION_NEWEST_SQL = new Map<string, string>();

/** The newest live images of each of the organization's `albums`, at most `perAlbum` each, newest first. */
export async function newestImages(
  db: Kysely<Database>,
  dialect: Dialect,
  organizationId: string,
  albums: ReadonlyArray<{ id: string; images_count: number }>,
  perAlbum: number,
): Promise<Map<string, ImageRow[]>> {
  const result = new Map<string, ImageRow[]>(albums.map((a) => [a.id, []]));
  const limit = Math.max(0, Math.floor(perAlbum));
  // `images_count` is exact: albums without live images need no read (a page of new albums, none).
  const ids = albums.filter((a) => a.images_count > 0).map((a) => a.id);
  if (!ids.length || limit === 0) return result;
  let rows: ImageRow[];
  if (dialect === 'postgres') {
    rows = await lateralNewest(db, organizationId, ids, limit);
  } else {
    rows = [];
    const small = albums.reduce((n, a) => n + a.images_count, 0) <= ids.length * limit * 4;
    // 200 albums per statement: SQLite allows 500 terms in a compound SELECT.
    for (const piece of chunked(ids, 200)) {
      rows.push(...(small ? await rankedNewest(db, organizationId, piece, limit) : await unionNewest(db, organizationId, piece, limit)));
    }
  }
  for (const row of rows) result.get(row.album_id)!.push(row);
  const newestFirst = (x: ImageRow, y: ImageRow) =>
    x.created_at < y.created_at ? 1 : x.created_at > y.created_at ? -1 : x.id < y.id ? 1 : x.id > y.id ? -1 : 0;
  for (const list of result.values()) list.sort(newestFirst);
  return result;
}

/**
 * PostgreSQL: the LATERAL picks ids only: an index-only scan, already in order, which the
 * planner takes even when it guesses albums hold a few images (a whole-row scan plus sort won
 * its estimate and read every image of large albums).
 */
async function lateralNewest(db: Kysely<Database>, organizationId: string, albumIds: string[], limit: number): Promise<ImageRow[]> {
  const { rows } = await sql<ImageRow>`select i.*, m.infos, m.exifs, m.faces, m.colors from unnest(${albumIds}::text[]) as a(id) cross join lateral (
    select id from images where album_id = a.id and deleted_at is null
    order by deleted_at desc, created_at desc, id desc limit ${limit}) as newest
    join images as i on i.id = newest.id ${sql.raw(MEDIA_JOIN)}
    where i.organization_id = ${organizationId}`.execute(db);
  return rows;
}

/** SQLite, small albums: rank every live image of the albums, keep the first `limit` of each. */
function rankedNewest(db: Kysely<Database>, organizationId: string, albumIds: string[], limit: number): Promise<ImageRow[]> {
  const ranked = db
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
  // The organization is checked on the rows found, written `+images.organization_id` so that
  // SQLite does not carry it over the media join into a search of the organization's whole
  // image_media (which it otherwise picks as the outer loop: 2.7 → 27 ms per album page).
  return imagesWithMedia(db)
    .innerJoin(ranked, 'ranked.id', 'images.id')
    .where(sql<string>`+${sql.ref('images.organization_id')}`, '=', organizationId)
    .where('ranked.rank', '<=', limit)
    .execute();
}

/**
 * SQLite: one `ORDER BY ... LIMIT` branch per album, glued with UNION ALL. The text depends
 * only on the number of albums and the limit, so it is built once and its prepared statement
 * reused; building it with the query builder each time cost more than running it.
 */
async function unionNewest(db: Kysely<Database>, organizationId: string, albumIds: string[], limit: number): Promise<ImageRow[]> {
  const key = `${albumIds.length}:${limit}`;
  let text = UNION_NEWEST_SQL.get(key);
  if (!text) {
    const branches = albumIds
      .map(
        (_, i) =>
          `select * from (select * from images where album_id = ? and deleted_at is null order by created_at desc, id desc limit ${limit}) as newest${i}`,
      )
      .join(' union all ');
    text = `select i.*, m.infos, m.exifs, m.faces, m.colors from (${branches}) as i ${MEDIA_JOIN} where i.organization_id = ?`;
    UNION_NEWEST_SQL.set(key, text);
  }
  return (await db.executeQuery<ImageRow>(CompiledQuery.raw(text, [...albumIds, organizationId]))).rows;
}
