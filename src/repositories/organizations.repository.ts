import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Dialect } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Database, OrganizationTable } from '../db/schema.ts';

export type Organization = Selectable<OrganizationTable>;

/** There is an organization of that id already. */
export class OrganizationExistsError extends Error {
  constructor(
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(`Organization ${id} already exists`, options);
    this.name = 'OrganizationExistsError';
  }
}

/** Organizations: the tenants themselves, so its methods take the organization's own `id` (and count, create, list across them). */
export class OrganizationsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** A new organization; OrganizationExistsError when its id is taken. */
  async create(org: Insertable<OrganizationTable>): Promise<Organization> {
    try {
      await this.db.insertInto('organizations').values(org).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new OrganizationExistsError(org.id, { cause: err });
      throw err;
    }
    return { webhook_url: null, webhook_secret: null, webhook_seq: 0, webhook_events: null, ...org };
  }

  find(id: string): Promise<Organization | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every organization, oldest first (for the operator's CLI). */
  listAll(): Promise<Organization[]> {
    return this.db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  /**
   * Takes the organization's write lock for the rest of the transaction and returns its row.
   * Every transaction that changes an organization's albums or images takes it first, so
   * they run one after another per organization: counters, moves and merges never interleave,
   * webhook events are numbered in commit order, and (everyone locking the same row first)
   * no two such transactions can deadlock. Organizations do not wait for each other.
   *
   * PostgreSQL: a FOR NO KEY UPDATE row lock, which still lets inserts that merely reference
   * the organization (a new album, user or secret) proceed. SQLite: a no-op UPDATE, which
   * makes the transaction the database's single writer from its first statement; taking the
   * write lock before reading is what keeps a second process (a separate worker) from
   * invalidating the transaction's snapshot (SQLITE_BUSY_SNAPSHOT) halfway through.
   */
  async lockForWrite(id: string): Promise<Organization | undefined> {
    if (this.dialect === 'postgres') {
      return this.db.selectFrom('organizations').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
    }
    return this.db
      .updateTable('organizations')
      .set((eb) => ({ webhook_seq: eb.ref('webhook_seq') }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** The organization's next webhook event number (call under `lockForWrite`). */
  async nextWebhookSeq(id: string): Promise<number> {
    const row = await this.db
      .updateTable('organizations')
      .set((eb) => ({ webhook_seq: eb('webhook_seq', '+', 1) }))
      .where('id', '=', id)
      .returning('webhook_seq')
      .executeTakeFirstOrThrow();
    return Number(row.webhook_seq);
  }

  /** `events`: a JSON list of event names, or null for the default ones. */
  async setWebhookEvents(id: string, events: string | null): Promise<void> {
    await this.db.updateTable('organizations').set({ webhook_events: events }).where('id', '=', id).execute();
  }

  async setWebhookUrl(id: string, webhookUrl: string | null): Promise<void> {
    await this.db.updateTable('organizations').set({ webhook_url: webhookUrl }).where('id', '=', id).execute();
  }

  async setWebhookSecret(id: string, secret: string): Promise<void> {
    await this.db.updateTable('organizations').set({ webhook_secret: secret }).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
