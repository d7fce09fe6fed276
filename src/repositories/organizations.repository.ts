import type { Kysely, Selectable } from 'kysely';
import type { Database, OrganizationTable } from '../db/schema.ts';

export type Organization = Selectable<OrganizationTable>;

/** Organizations: the tenants. */
export class OrganizationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(org: Organization): Promise<Organization> {
    await this.db.insertInto('organizations').values(org).execute();
    return org;
  }

  find(id: string): Promise<Organization | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async setWebhookUrl(id: string, webhookUrl: string | null): Promise<void> {
    await this.db.updateTable('organizations').set({ webhook_url: webhookUrl }).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
