/**
 * Share links and the images they show. A link shows images that are live in its album and,
 * for a selection, still selected: an image moved out, trashed or purged leaves the link.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, ShareTable } from '../db/schema.ts';
import { chunked } from './chunks.ts';
import { imagesWithMedia } from './image-media.ts';
import type { ImageRow } from './images.repository.ts';
import { ofOrganization } from './tenancy.ts';

export type Share = Selectable<ShareTable>;

export class SharesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records a link and, for a selection, its images (ids already checked to be the album's).
   * share_images has no organization column: its rows are inserted from the organization's
   * image rows, so a selection holds only images of the link's organization.
   */
  async create(organizationId: string, share: Omit<Share, 'views_count'>, imageIds: readonly string[]): Promise<Share> {
    const row = ofOrganization(organizationId, share);
    await this.db.insertInto('shares').values(row).execute();
    for (const piece of chunked([...new Set(imageIds)])) {
      await this.db
        .insertInto('share_images')
        .columns(['share_id', 'image_id'])
        .expression(
          this.db
            .selectFrom('images')
            // Parameters in a select list need a type on PostgreSQL, hence the cast.
            .select([sql<string>`cast(${row.id} as text)`.as('share_id'), 'images.id'])
            .where('images.organization_id', '=', organizationId)
            .where('images.id', 'in', piece),
        )
        .execute();
    }
    return { ...row, views_count: 0 };
  }

  /** The organization's link `id`, expired or not. */
  find(organizationId: string, id: string): Promise<Share | undefined> {
    return this.db.selectFrom('shares').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  }

  /** A link by its id alone, across organizations: what a visitor of the public page holds names no organization. */
  findPublic(id: string): Promise<Share | undefined> {
    return this.db.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The album's links, newest first. */
  listByAlbum(organizationId: string, albumId: string): Promise<Share[]> {
    return this.db
      .selectFrom('shares')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('album_id', '=', albumId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
  }

  /** The selected image ids of each of `shareIds` (selections only); share_images is filtered through its shares. */
  async selections(organizationId: string, shareIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(shareIds.map((id) => [id, []]));
    for (const piece of chunked([...new Set(shareIds)])) {
      const rows = await this.db
        .selectFrom('share_images')
        .innerJoin('shares', 'shares.id', 'share_images.share_id')
        .select(['share_images.share_id', 'share_images.image_id'])
        .where('shares.organization_id', '=', organizationId)
        .where('share_images.share_id', 'in', piece)
        .orderBy('share_images.image_id')
        .execute();
      for (const row of rows) out.get(row.share_id)!.push(row.image_id);
    }
    return out;
  }

  /** Revokes a link: gone, with its selection. True when it existed. */
  async delete(organizationId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('shares').where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async incrementViews(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable('shares')
      .set({ views_count: sql`views_count + 1` })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .execute();
  }

  /** The live images a link shows, joined to their media reports. */
  private shown(organizationId: string, share: Share) {
    let query = imagesWithMedia(this.db)
      .where('images.organization_id', '=', organizationId)
      .where('images.album_id', '=', share.album_id)
      .where('images.deleted_at', 'is', null);
    if (share.selected) {
      query = query.where(({ exists, selectFrom }) =>
        exists(selectFrom('share_images as s').select('s.image_id').where('s.share_id', '=', share.id).whereRef('s.image_id', '=', 'images.id')),
      );
    }
    return query;
  }

  /** One page of what the link shows, newest first. */
  imagesPage(organizationId: string, share: Share, limit: number, offset: number): Promise<ImageRow[]> {
    return this.shown(organizationId, share).orderBy('images.created_at', 'desc').orderBy('images.id', 'desc').limit(limit).offset(offset).execute();
  }

  /** Every image the link shows, oldest first (the ZIP's order). */
  allImages(organizationId: string, share: Share): Promise<ImageRow[]> {
    return this.shown(organizationId, share).orderBy('images.created_at').orderBy('images.id').execute();
  }

  async countImages(organizationId: string, share: Share): Promise<number> {
    const row = await this.shown(organizationId, share)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** One image, if the link shows it. */
  image(organizationId: string, share: Share, imageId: string): Promise<ImageRow | undefined> {
    return this.shown(organizationId, share).where('images.id', '=', imageId).executeTakeFirst();
  }
}
