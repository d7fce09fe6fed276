import type { Kysely, Selectable } from 'kysely';
import type { Database, UploadBatchTable } from '../db/schema.ts';
import { ofOrganization } from './tenancy.ts';

export type UploadBatch = Selectable<UploadBatchTable>;

/** Upload batches a client declared finished, per album. */
export class UploadBatchesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(organizationId: string, batch: UploadBatch): Promise<UploadBatch> {
    const row = ofOrganization(organizationId, batch);
    await this.db.insertInto('upload_batches').values(row).execute();
    return row;
  }

  /** The album's most recent batch. */
  latest(organizationId: string, albumId: string): Promise<UploadBatch | undefined> {
    return this.db
      .selectFrom('upload_batches')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('album_id', '=', albumId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Hands an album's batches to another (a merge removes the first). */
  async moveAlbum(organizationId: string, fromAlbumId: string, toAlbumId: string): Promise<void> {
    await this.db
      .updateTable('upload_batches')
      .set({ album_id: toAlbumId })
      .where('organization_id', '=', organizationId)
      .where('album_id', '=', fromAlbumId)
      .execute();
  }
}
