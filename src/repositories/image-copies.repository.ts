/**
 * New image rows that show an existing stored original: copies into another album and
 * duplicates. They share the original's media report (image_media), so a copy writes one
 * narrow row and no byte of the file.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ImageTable } from '../db/schema.ts';
import { chunked, MAX_PARAMETERS } from './chunks.ts';
import type { ImageRow } from './images.repository.ts';
import { ofOrganization } from './tenancy.ts';

/** An image row without its media report: what a copy writes. */
export type ImageRecord = Selectable<ImageTable>;

export class ImageCopiesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the rows (their media reports already recorded, as the sources' are). */
  async insert(organizationId: string, rows: ReadonlyArray<ImageRecord>): Promise<void> {
    if (!rows.length) return;
    const perInsert = Math.floor(MAX_PARAMETERS / Object.keys(rows[0]!).length);
    for (const piece of chunked(rows, perInsert)) {
      await this.db
        .insertInto('images')
        .values(piece.map((row) => ofOrganization(organizationId, row)))
        .execute();
    }
  }
}

/** The fields a client sets on an image, as opposed to what the host reported. */
export type ClientFields = Pick<ImageRecord, 'title' | 'description' | 'metadatas' | 'tags' | 'rotation' | 'crop_x' | 'crop_y' | 'crop_w' | 'crop_h'>;

/** The client-set fields of `source`: what a duplicate takes over. */
export function clientFieldsOf(source: ImageRecord): ClientFields {
  const { title, description, metadatas, tags, rotation, crop_x, crop_y, crop_w, crop_h } = source;
  return { title, description, metadatas, tags, rotation, crop_x, crop_y, crop_w, crop_h };
}

/** A copy of `source` as a new row `id` in album `albumId`; tags only when asked. */
export function copyRow(source: ImageRow, id: string, albumId: string, options: { copyTags: boolean; now: string }): ImageRecord {
  const { infos: _infos, exifs: _exifs, faces: _faces, colors: _colors, ...row } = source;
  return { ...row, id, album_id: albumId, tags: options.copyTags ? row.tags : '[]', updated_at: options.now, deleted_at: null };
}
