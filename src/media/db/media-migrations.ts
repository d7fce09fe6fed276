/**
 * The media host's migrations, recorded in their own table (`media_host_migration`) so that
 * the host's schema evolves apart from the album API's. They run after the API's on the same
 * database with the same guarantees (see src/db/migrations.ts: Kysely's PostgreSQL advisory
 * lock, one transaction per run on SQLite).
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations work on the untyped schema */
async function createAssets(db: Kysely<any>, table: string): Promise<void> {
  const text = (c: any) => c.notNull().defaultTo('');
  await db.schema
    .createTable(table)
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('public_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', text)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('format', 'text', text)
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('height', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('faces', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('etag', 'text', text)
    .addColumn('original_filename', 'text', text)
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('context', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('analysis', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('derived', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${table}_key`, ['resource_type', 'type', 'public_id'])
    .execute();
}

const migrations: Record<string, Migration> = {
  /**
   * Assets keyed by resource type too (raw files beside images), with tags, context,
   * metadata, analysis and eager derivatives kept; upload presets; named transformations.
   * Databases made before the host had its own migrations hold a narrower `media_assets`
   * (created by the API's first migration): its rows are carried over as images.
   */
  '0001_media_host': {
    async up(db: Kysely<any>) {
      const tables = await db.introspection.getTables();
      if (tables.some((t) => t.name === 'media_assets')) {
        await createAssets(db, 'media_assets_next');
        await sql`INSERT INTO media_assets_next (resource_type, type, public_id, version, format, storage_key, bytes, width, height, faces, created_at)
          SELECT 'image', type, public_id, version, format, storage_key, bytes, width, height, faces, created_at FROM media_assets`.execute(db);
        await db.schema.dropTable('media_assets').execute();
        await db.schema.alterTable('media_assets_next').renameTo('media_assets').execute();
      } else {
        await createAssets(db, 'media_assets');
      }
      await db.schema.createIndex('media_assets_created').on('media_assets').columns(['resource_type', 'created_at']).execute();
      await db.schema
        .createTable('media_upload_presets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('unsigned', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('media_named_transformations')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('transformation', 'text', (c) => c.notNull())
        .addColumn('allowed_for_strict', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies the host's pending migrations; throws with the failing migration's error. */
export async function migrateMediaHost(db: Kysely<any>): Promise<void> {
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'media_host_migration',
    migrationLockTableName: 'media_host_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`media host migration ${failed?.migrationName ?? ''} failed`, { cause: error });
}

