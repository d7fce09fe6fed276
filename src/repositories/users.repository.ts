import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTable } from '../db/schema.ts';
import { ofOrganization } from './tenancy.ts';

export type User = Selectable<UserTable>;

/** Users of organizations. */
export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(organizationId: string, user: User): Promise<User> {
    const row = ofOrganization(organizationId, user);
    await this.db.insertInto('users').values(row).execute();
    return row;
  }

  /** A user by id alone, across organizations: a token names its user before its organization is known. */
  find(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every user of every organization, oldest first (for the operator's CLI). */
  listAll(): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  /** Users with this email, oldest first: one per organization at most (the operator's CLI picks among them). */
  findByEmail(email: string): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).orderBy('created_at').orderBy('id').execute();
  }

  /** The oldest admin of any organization (the first start's admin, unless removed). */
  firstAdmin(): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('admin', '=', 1).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  }
}
