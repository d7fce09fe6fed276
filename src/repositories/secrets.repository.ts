import type { Kysely, Selectable } from 'kysely';
import type { Database, SecretTable } from '../db/schema.ts';
import { ofOrganization } from './tenancy.ts';

export type Secret = Selectable<SecretTable>;

/** A secret without its value: what a listing may show. */
export type SecretListing = Omit<Secret, 'value'>;

/** Organization secrets, used by an organization's servers to sign their own tokens. */
export class SecretsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(organizationId: string, secret: Secret): Promise<Secret> {
    const row = ofOrganization(organizationId, secret);
    await this.db.insertInto('secrets').values(row).execute();
    return row;
  }

  /** A secret by its id alone, across organizations: a token names its issuer's secret before its organization is known. */
  find(id: string): Promise<Secret | undefined> {
    return this.db.selectFrom('secrets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Secrets, oldest first, of one organization or of all (the operator's CLI spans organizations); never their values. */
  listWithoutValues(organizationId?: string): Promise<SecretListing[]> {
    let query = this.db.selectFrom('secrets').select(['id', 'organization_id', 'name', 'created_at']);
    if (organizationId !== undefined) query = query.where('organization_id', '=', organizationId);
    return query.orderBy('created_at').orderBy('id').execute();
  }
}
