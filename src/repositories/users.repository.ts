import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTable } from '../db/schema.ts';

export type User = Selectable<UserTable>;

/** Users of organizations. */
export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(user: User): Promise<User> {
    await this.db.insertInto('users').values(user).execute();
    return user;
  }

  find(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
