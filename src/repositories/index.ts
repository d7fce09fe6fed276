import { type Kysely, PostgresAdapter } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { JobExecutor } from '../jobs/job-queue.ts';
import { AlbumFilesRepository } from './album-files.repository.ts';
import { AlbumViewsRepository } from './album-views.repository.ts';
import { AlbumsRepository } from './albums.repository.ts';
import { ImageCopiesRepository } from './image-copies.repository.ts';
import { ImageMediaRepository } from './image-media.ts';
import { ImagesRepository } from './images.repository.ts';
import { OrganizationTagsRepository } from './organization-tags.repository.ts';
import { OrganizationsRepository } from './organizations.repository.ts';
import { SecretsRepository } from './secrets.repository.ts';
import { SharesRepository } from './shares.repository.ts';
import { TrashRepository } from './trash.repository.ts';
import { UploadBatchesRepository } from './upload-batches.repository.ts';
import { UsersRepository } from './users.repository.ts';
import { WebhookEventsRepository } from './webhook-events.repository.ts';

/** Every repository over one executor: the database, or a transaction. */
export interface Repositories {
  organizations: OrganizationsRepository;
  organizationTags: OrganizationTagsRepository;
  users: UsersRepository;
  secrets: SecretsRepository;
  albums: AlbumsRepository;
  images: ImagesRepository;
  trash: TrashRepository;
  imageMedia: ImageMediaRepository;
  albumFiles: AlbumFilesRepository;
  albumViews: AlbumViewsRepository;
  shares: SharesRepository;
  imageCopies: ImageCopiesRepository;
  uploadBatches: UploadBatchesRepository;
  webhookEvents: WebhookEventsRepository;
  /** Where the job queue inserts for these repositories: inside a transaction, a job is queued only if it commits. */
  jobExecutor: JobExecutor;
  /**
   * Runs `hook` once the transaction these repositories belong to has committed (at once
   * outside a transaction); a rolled-back transaction drops its hooks. For side effects that
   * must not run for work that did not happen, e.g. waking the worker for a queued job.
   */
  afterCommit(hook: () => void): void;
  /** Runs `work` in one transaction with repositories bound to it (not available inside one). */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

/** Which SQL dialect an executor speaks; only repositories need to know. */
export function dialectOf(db: Kysely<Database>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

export function repositoriesOver(db: Kysely<Database>, afterCommit: (hook: () => void) => void = (hook) => hook()): Repositories {
  const dialect = dialectOf(db);
  return {
    organizations: new OrganizationsRepository(db, dialect),
    organizationTags: new OrganizationTagsRepository(db),
    users: new UsersRepository(db),
    secrets: new SecretsRepository(db),
    albums: new AlbumsRepository(db),
    images: new ImagesRepository(db, dialect),
    trash: new TrashRepository(db),
    imageMedia: new ImageMediaRepository(db),
    albumFiles: new AlbumFilesRepository(db),
    albumViews: new AlbumViewsRepository(db),
    shares: new SharesRepository(db),
    imageCopies: new ImageCopiesRepository(db),
    uploadBatches: new UploadBatchesRepository(db),
    webhookEvents: new WebhookEventsRepository(db),
    jobExecutor: db,
    afterCommit,
    transaction: (work) => inTransaction(db, work),
  };
}

/** Runs `work` in one transaction with repositories bound to it, then its after-commit hooks. */
async function inTransaction<T>(db: Kysely<Database>, work: (repos: Repositories) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  const result = await db.transaction().execute((trx) => work(repositoriesOver(trx, (hook) => hooks.push(hook))));
  for (const hook of hooks) hook();
  return result;
}

