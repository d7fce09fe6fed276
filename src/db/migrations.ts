/**
 * Versioned migrations, run at start by every process (API processes and workers alike), so
 * several processes starting at once must apply each migration exactly once:
 * - PostgreSQL: Kysely 0.28's PostgresAdapter.acquireMigrationLock already takes an advisory
 *   lock, `pg_advisory_lock(3853314791062309107)` (session level, not the _xact variant), on
 *   the one connection the Migrator uses, and runs the pending migrations in one transaction
 *   on it; the others wait for the lock, then find nothing pending. Nothing to add.
 * - SQLite: Kysely's lock is a no-op there (one connection per process is all it expects);
 *   database.ts makes the Migrator use a BEGIN IMMEDIATE transaction instead, which serializes
 *   processes sharing the file.
 * test/scale/migrations.test.ts races five processes on a fresh database of either kind.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations work on the untyped schema */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('webhook_url', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('fullname', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('users_org_email', ['organization_id', 'email'])
        .execute();
      await db.schema
        .createTable('secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('albums')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('public_id', 'text', (c) => c.notNull())
        .addColumn('images_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('views_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('albums_org_public_id', ['organization_id', 'public_id'])
        .execute();
      await db.schema
        .createIndex('albums_org_created')
        .on('albums')
        .columns(['organization_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createTable('images')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('album_id', 'text', (c) => c.notNull().references('albums.id'))
        .addColumn('public_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('original_width', 'integer', (c) => c.notNull())
        .addColumn('original_height', 'integer', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('color', 'text')
        .addColumn('phash', 'text')
        .addColumn('gps_lat', 'double precision')
        .addColumn('gps_lng', 'double precision')
        .addColumn('taken_at', 'text')
        .addColumn('filename', 'text')
        .addColumn('title', 'text')
        .addColumn('description', 'text')
        .addColumn('rotation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('crop_x', 'integer')
        .addColumn('crop_y', 'integer')
        .addColumn('crop_w', 'integer')
        .addColumn('crop_h', 'integer')
        .addColumn('infos', 'text', (c) => c.notNull())
        .addColumn('exifs', 'text', (c) => c.notNull())
        .addColumn('metadatas', 'text', (c) => c.notNull())
        .addColumn('faces', 'text', (c) => c.notNull())
        .addColumn('colors', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('processing_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addUniqueConstraint('images_album_public_id', ['album_id', 'public_id'])
        .execute();
      await db.schema
        .createIndex('images_album_created')
        .on('images')
        .columns(['album_id', 'deleted_at', 'created_at'])
        .execute();
      await db.schema.createIndex('images_public_id').on('images').columns(['organization_id', 'public_id']).execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('dedup_key', 'text', (c) => c.unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('jobs_ready').on('jobs').columns(['status', 'run_at']).execute();
      await db.schema
        .createTable('media_assets')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('public_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('faces', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('media_assets_pk', ['type', 'public_id'])
        .execute();
    },
  },
  /** Album operations: trash, upload batches, the webhook outbox. */
  '0002_album_ops': {
    async up(db: Kysely<any>) {
      // SQLite takes one ADD COLUMN per ALTER TABLE.
      await db.schema.alterTable('organizations').addColumn('webhook_secret', 'text').execute();
      await db.schema
        .alterTable('organizations')
        .addColumn('webhook_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The trash (listing, purge) and the "is this stored file still used" check of the purge.
      await db.schema.createIndex('images_org_deleted').on('images').columns(['organization_id', 'deleted_at']).execute();
      await db.schema.createIndex('images_media').on('images').columns(['public_id', 'version']).execute();
      await db.schema
        .createTable('upload_batches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('album_id', 'text', (c) => c.notNull().references('albums.id'))
        .addColumn('images_count', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('secret_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('upload_batches_album').on('upload_batches').columns(['album_id', 'created_at']).execute();
      await db.schema
        .createTable('webhook_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addUniqueConstraint('webhook_events_org_seq', ['organization_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('webhook_events_pending')
        .on('webhook_events')
        .columns(['organization_id', 'status', 'seq'])
        .execute();
    },
  },
  // Page views already counted, per album and viewer, so a reload within the window does not
  // count again, even when it reaches another API process. Rows go with their album.
  '0003_album_views': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('album_views')
        .addColumn('album_id', 'text', (c) => c.notNull().references('albums.id').onDelete('cascade'))
        .addColumn('viewer_key', 'text', (c) => c.notNull())
        .addColumn('last_counted_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('album_views_pk', ['album_id', 'viewer_key'])
        .execute();
    },
  },
  /**
   * No index on images may lead with organization_id: without statistics, SQLite's planner
   * took (organization_id, deleted_at) for "this album's images" queries, which also name the
   * organization, and scanned the whole organization (a 1,000-image duplicate: ~10 ms became
   * 100+ ms, growing with the organization). The trash gets a partial index, which only
   * queries asking for trashed rows can use, and lookups by public_id use (public_id, version).
   * An album's live images, newest first, come straight from (album_id, deleted_at,
   * created_at, id) in that order, tie-break included: no sort, and a LIMIT reads only what it
   * returns (PostgreSQL otherwise fetched and sorted every image of a large album for its
   * four thumbnails).
   */
  '0004_image_indexes': {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('images_org_deleted').execute();
      await db.schema.dropIndex('images_public_id').execute();
      await db.schema.dropIndex('images_album_created').execute();
      await db.schema
        .createIndex('images_album_newest')
        .on('images')
        .columns(['album_id', 'deleted_at', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('images_trash')
        .on('images')
        .columns(['organization_id', 'deleted_at'])
        .where(sql.ref('deleted_at'), 'is not', null)
        .execute();
    },
  },
  /**
   * The host's report on a stored original (infos, exifs, faces, colors: about 2 KB of JSON)
   * moves to image_media, shared by every image row showing that original. A 1,000-image
   * duplicate, move or merge then writes narrow rows; on SQLite, where wide rows made it 4 to
   * 5 times slower through the extra WAL and checkpoint volume, that was most of its cost.
   */
  '0005_image_media': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('image_media')
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('public_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('infos', 'text', (c) => c.notNull())
        .addColumn('exifs', 'text', (c) => c.notNull())
        .addColumn('faces', 'text', (c) => c.notNull())
        .addColumn('colors', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('image_media_pk', ['organization_id', 'public_id', 'version', 'type'])
        .execute();
      await db
        .insertInto('image_media')
        .columns(['organization_id', 'type', 'public_id', 'version', 'infos', 'exifs', 'faces', 'colors'])
        .expression(
          db
            .selectFrom('images')
            .select(['organization_id', 'type', 'public_id', 'version', 'infos', 'exifs', 'faces', 'colors'])
            // SQLite reads "SELECT ... ON CONFLICT" ambiguously unless the SELECT has a WHERE.
            .where(sql<boolean>`true`),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
      for (const column of ['infos', 'exifs', 'faces', 'colors']) {
        await db.schema.alterTable('images').dropColumn(column).execute();
      }
    },
  },
  /**
   * SharinPix's image features: tags given by clients (the host's own tags, which `images.tags`
   * mirrored until now, stay in the media report's `infos.tags`), the organization's tag set,
   * the events an organization's webhook subscribes to, and an index for listing an album by
   * capture time.
   */
  '0006_sharinpix_images': {
    async up(db: Kysely<any>) {
      await db.updateTable('images').set({ tags: '[]' }).execute();
      await db.schema
        .createTable('organization_tags')
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('organization_tags_pk', ['organization_id', 'name'])
        .execute();
      await db.schema.alterTable('organizations').addColumn('webhook_events', 'text').execute();
      await db.schema
        .createIndex('images_album_taken')
        .on('images')
        .columns(['album_id', 'deleted_at', 'taken_at', 'created_at', 'id'])
        .execute();
    },
  },
  /**
   * Share links. Rows go with their album (a merge removes the source album) and with their
   * images (the trash purge deletes image rows), so neither is blocked by a link.
   */
  '0007_shares': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('shares')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('album_id', 'text', (c) => c.notNull().references('albums.id').onDelete('cascade'))
        .addColumn('selected', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('allow_download', 'integer', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('views_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('user_id', 'text')
        .addColumn('secret_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('shares_album').on('shares').columns(['album_id', 'created_at']).execute();
      await db.schema
        .createTable('share_images')
        .addColumn('share_id', 'text', (c) => c.notNull().references('shares.id').onDelete('cascade'))
        .addColumn('image_id', 'text', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('share_images_pk', ['share_id', 'image_id'])
        .execute();
      await db.schema.createIndex('share_images_image').on('share_images').columns(['image_id']).execute();
    },
  },
  /**
   * Keys chosen for the insert path, and the counters that make list totals constant-time
   * (measured in BENCHMARKS.md, "Pages and create keys"):
   * - SQLite: albums become a WITHOUT ROWID table clustered on the natural key
   *   (organization_id, public_id), with `id` (what images, batches, views and shares
   *   reference) a unique secondary: three B-trees per INSERT instead of four, and a lookup
   *   by public id, the most common one, reads one B-tree. PostgreSQL has no clustered
   *   tables (a heap plus its indexes either way), so its keys stay. New album ids are
   *   time-ordered (src/db/ids.ts) on both; existing ids stay as they are.
   * - `albums.trashed_count`: the album's images in the trash, next to `images_count` (its
   *   live ones), both recomputed here from the rows.
   * - `organization_counters`: per organization, its albums and its trashed images, in
   *   slots summed on read. Albums are counted by triggers, in the statement that inserts or
   *   deletes the album (album creation takes no organization lock and runs outside any
   *   transaction); PostgreSQL's trigger picks one of 16 slots at random, so concurrent
   *   creations do not queue on one row lock until their commits. Trashed images are counted
   *   by the image repository under the organization's lock, in slot 0.
   * - The trash, newest first, is read in index order: (organization_id, deleted_at,
   *   created_at, id) over trashed rows replaces (organization_id, deleted_at).
   * SQLite rebuilds the albums table with foreign keys off (see `migrate`) and checks them all
   * before committing.
   */
  '0008_album_keys': {
    async up(db: Kysely<any>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      const live = sql`(select count(*) from images as i where i.album_id = a.id and i.deleted_at is null)`;
      const trashed = sql`(select count(*) from images as i where i.album_id = a.id and i.deleted_at is not null)`;
      if (postgres) {
        await db.schema
          .alterTable('albums')
          .addColumn('trashed_count', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await sql`update albums as a set images_count = ${live}, trashed_count = ${trashed}`.execute(db);
      } else {
        await db.schema
          .createTable('albums_next')
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('public_id', 'text', (c) => c.notNull())
          .addColumn('images_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('views_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('trashed_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('albums_pk', ['organization_id', 'public_id'])
          .modifyEnd(sql`without rowid`)
          .execute();
        await sql`insert into albums_next (id, organization_id, public_id, images_count, views_count, created_at, updated_at, trashed_count)
          select a.id, a.organization_id, a.public_id, ${live}, a.views_count, a.created_at, a.updated_at, ${trashed} from albums as a`.execute(db);
        await db.schema.dropTable('albums').execute();
        await db.schema.alterTable('albums_next').renameTo('albums').execute();
        await db.schema
          .createIndex('albums_org_created')
          .on('albums')
          .columns(['organization_id', 'created_at', 'id'])
          .execute();
      }

      await db.schema
        .createTable('organization_counters')
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('slot', 'integer', (c) => c.notNull())
        .addColumn('albums', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('trashed_images', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('organization_counters_pk', ['organization_id', 'slot'])
        .$call((table) => (postgres ? table : table.modifyEnd(sql`without rowid`)))
        .execute();
      await sql`insert into organization_counters (organization_id, slot, albums, trashed_images)
        select o.id, 0,
          (select count(*) from albums as a where a.organization_id = o.id),
          (select coalesce(sum(a.trashed_count), 0) from albums as a where a.organization_id = o.id)
        from organizations as o`.execute(db);
      if (postgres) {
        await sql`create function count_album() returns trigger language plpgsql as $$
          begin
            insert into organization_counters as c (organization_id, slot, albums)
              values (case when tg_op = 'INSERT' then new.organization_id else old.organization_id end,
                floor(random() * 16)::integer, case when tg_op = 'INSERT' then 1 else -1 end)
              on conflict (organization_id, slot) do update set albums = c.albums + excluded.albums;
            return null;
          end $$`.execute(db);
        await sql`create trigger albums_counted after insert or delete on albums for each row execute function count_album()`.execute(db);
      } else {
        for (const [event, row, delta] of [
          ['insert', 'new', 1],
          ['delete', 'old', -1],
        ] as const) {
          await sql`create trigger ${sql.raw(`albums_counted_${event}`)} after ${sql.raw(event)} on albums begin
            insert into organization_counters (organization_id, slot, albums) values (${sql.raw(row)}.organization_id, 0, ${sql.raw(String(delta))})
              on conflict (organization_id, slot) do update set albums = albums + excluded.albums;
          end`.execute(db);
        }
      }

      await db.schema.dropIndex('images_trash').execute();
      await db.schema
        .createIndex('images_trash_newest')
        .on('images')
        .columns(['organization_id', 'deleted_at', 'created_at', 'id'])
        .where(sql.ref('deleted_at'), 'is not', null)
        .execute();

      if (!postgres) {
        const broken = (await sql<{ table: string }>`pragma foreign_key_check`.execute(db)).rows;
        if (broken.length) throw new Error(`foreign keys broken after rebuilding albums: ${JSON.stringify(broken.slice(0, 5))}`);
      }
    },
  },
};
const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies every pending migration (or those up to `upTo`); throws with the failing migration's error.
 *
 * On SQLite, foreign keys are off while migrations run: rebuilding a table that others
 * reference (0008) is only possible so, as SQLite's documented procedure for schema changes
 * says, and the pragma cannot change inside the migrations' transaction. A migration that
 * rebuilds checks the keys itself (`pragma foreign_key_check`) before it commits.
 */
export async function migrate(db: Kysely<any>, options: { upTo?: string } = {}): Promise<void> {
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const sqlite = !(db.getExecutor().adapter instanceof PostgresAdapter);
  if (sqlite) await sql`pragma foreign_keys = off`.execute(db);
  try {
    const migrator = new Migrator({ db, provider });
    // `upTo` (tests of a migration on data): that migration and those before it only.
    const { error, results } = await (options.upTo ? migrator.migrateTo(options.upTo) : migrator.migrateToLatest());
    const failed = results?.find((r) => r.status === 'Error');
    if (error) throw new Error(`migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  } finally {
    if (sqlite) await sql`pragma foreign_keys = on`.execute(db);
  }
}
