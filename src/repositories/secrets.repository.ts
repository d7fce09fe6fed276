import type { Kysely, Selectable } from 'kysely';
import type { Database, SecretTable } from '../db/schema.ts';

export type Secret = Selectable<SecretTable>;

/** Organization secrets, used by an organization's servers to sign their own tokens. */
export class SecretsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(secret: Secret): Promise<Secret> {
    await this.db.insertInto('secrets').values(secret).execute();
    return secret;
  }

  find(id: string): Promise<Secret | undefined> {
    return this.db.selectFrom('secrets').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
