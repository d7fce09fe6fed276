/**
 * The media reports of stored originals (image_media) and the stored media image rows point
 * at. A report is shared by every row showing the same original (copies, duplicates), so it
 * is recorded once, joined to rows on read, and removed once no row of its organization
 * shows it.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ImageMediaTable } from '../db/schema.ts';
import { chunked } from './chunks.ts';
import type { ImageRow, MediaRef } from './images.repository.ts';

/** The host's report on a stored original, shared by the rows showing it (image_media). */
export type MediaReport = Pick<Selectable<ImageMediaTable>, 'infos' | 'exifs' | 'faces' | 'colors'>;

/** The join of an image row `i` to its media report `m`, for hand-written SQL. */
export const MEDIA_JOIN = `join image_media as m on m.organization_id = i.organization_id and m.public_id = i.public_id
  and m.version = i.version and m.type = i.type`;

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

/**
 * Records the media report of the image's original for the organization, unless it has one
 * (the first report wins: the host reports the same original the same way).
 */
export async function recordMediaReport(db: Kysely<Database>, organizationId: string, image: ImageRow): Promise<void> {
  const { type, public_id, version, infos, exifs, faces, colors } = image;
  await db
    .insertInto('image_media')
    .values({ organization_id: organizationId, type, public_id, version, infos, exifs, faces, colors })
    .onConflict((oc) => oc.columns(['organization_id', 'public_id', 'version', 'type']).doNothing())
    .execute();
}

/** Removes the organization's media reports of `publicIds` that no row of the organization shows any more. */
export async function pruneMediaReports(db: Kysely<Database>, organizationId: string, publicIds: readonly string[]): Promise<void> {
  for (const piece of chunked([...new Set(publicIds)])) {
    await db
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
}

/** The stored media behind image rows, across organizations (see `unreferenced`). */
export class ImageMediaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The subset of `refs` no row references any more, live or trashed, in any organization:
   * deliberately across tenants, as stored media is shared by every copy of an image and the
   * store does not know tenants.
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
}
