import type { Kysely, Selectable } from 'kysely';
import type { Database, OrganizationTagTable } from '../db/schema.ts';
import { ofOrganization } from './tenancy.ts';

export type OrganizationTag = Selectable<OrganizationTagTable>;

/** The tags every album of an organization may use. */
export class OrganizationTagsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  list(organizationId: string): Promise<OrganizationTag[]> {
    return this.db.selectFrom('organization_tags').selectAll().where('organization_id', '=', organizationId).orderBy('name').execute();
  }

  /** Creates the tag, or sets the labels of the existing one. */
  async upsert(organizationId: string, tag: OrganizationTag): Promise<void> {
    await this.db
      .insertInto('organization_tags')
      .values(ofOrganization(organizationId, tag))
      .onConflict((oc) => oc.columns(['organization_id', 'name']).doUpdateSet({ labels: tag.labels }))
      .execute();
  }

  /** True when there was such a tag. */
  async delete(organizationId: string, name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('organization_tags')
      .where('organization_id', '=', organizationId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
