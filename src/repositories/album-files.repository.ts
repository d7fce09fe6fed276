/**
 * What downloads read of images: the few columns that name and locate a stored original,
 * in the one order every ZIP of an album lists them (oldest first, id breaking ties), so two
 * builds of the same selection give the same archive.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ImageTable } from '../db/schema.ts';
import { chunked } from './chunks.ts';

const FILE_COLUMNS = [
  'id',
  'album_id',
  'public_id',
  'type',
  'version',
  'format',
  'size',
  'filename',
  'taken_at',
  'created_at',
  // The edits, for renditions of the image as edited.
  'original_width',
  'original_height',
  'rotation',
  'crop_x',
  'crop_y',
  'crop_w',
  'crop_h',
] as const;

/** An image as a file: where its original is, how big, what it was called, how it is edited. */
export type ImageFile = Pick<Selectable<ImageTable>, (typeof FILE_COLUMNS)[number]>;

export class AlbumFilesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every live image of the album, in archive order. */
  listLive(organizationId: string, albumId: string): Promise<ImageFile[]> {
    return this.db
      .selectFrom('images')
      .select(FILE_COLUMNS)
      .where('organization_id', '=', organizationId)
      .where('album_id', '=', albumId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** The album's live images among `ids`, in archive order (unknown or other albums' ids are missing). */
  async findLive(organizationId: string, albumId: string, ids: readonly string[]): Promise<ImageFile[]> {
    const out: ImageFile[] = [];
    for (const piece of chunked([...new Set(ids)])) {
      out.push(
        ...(await this.db
          .selectFrom('images')
          .select(FILE_COLUMNS)
          .where('organization_id', '=', organizationId)
          .where('album_id', '=', albumId)
          .where('deleted_at', 'is', null)
          .where('id', 'in', piece)
          .execute()),
      );
    }
    return out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
