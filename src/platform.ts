/**
 * Everything a process of the service runs on, wired once: database, object store, job
 * queue and its registry, the API's services and (MEDIA_HOST=embedded) the media host.
 * `serve` adds HTTP on top; `worker` runs only the jobs.
 */
import pino from 'pino';
import type { Config } from './config.ts';
import { createLogger } from './logging.ts';
import { type Db, openDatabase } from './db/database.ts';
import { migrate } from './db/migrations.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import { JobStore } from './jobs/job-store.ts';
import { schedulePeriodic } from './jobs/periodic.ts';
import { PurgeTrashJob } from './jobs/purge-trash.job.ts';
import { JobRegistry, Worker } from './jobs/worker.ts';
import type { MediaHost } from './media/media-host.ts';
import type { Services } from './services/index.ts';
import { openObjectStore } from './storage/open-store.ts';
import type { ObjectStore } from './storage/object-store.ts';

export interface Platform {
  config: Config;
  db: Db;
  store: ObjectStore;
  jobs: JobQueue;
  registry: JobRegistry;
  services: Services;
  /** Null when MEDIA_HOST=cloudinary: forms and URLs then point at Cloudinary itself. */
  mediaHost: MediaHost | null;
  /** The in-process worker, when this process runs one. */
  worker: Worker | null;
  close(): Promise<void>;
}

/** Opens the database and applies migrations. */
export async function openAndMigrate(config: Config, log?: pino.Logger): Promise<Db> {
  const db = openDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    onConnectionError: log && ((err) => log.warn({ err }, 'an idle PostgreSQL connection failed; it will be replaced')),
  });
  await migrate(db.kysely);
  return db;
}

/** With pushed wake-ups, polling only catches what a lost LISTEN connection missed. */
const FALLBACK_POLL_MS = 10_000;

/**
 * The one place the queue is chosen: pg-boss on PostgreSQL (many processes, pushed wake-ups),
 * the embedded `jobs` table on SQLite (one machine).
 */
export async function openJobQueue(
  db: Db,
  options: { databaseUrl: string; lockSeconds: number; runWorker: boolean; log: pino.Logger },
): Promise<JobQueue> {
  if (db.dialect === 'sqlite') return new JobStore(db.kysely);
  const { PgBossQueue } = await import('./jobs/pg-boss-queue.ts');
  return PgBossQueue.open(db.kysely, { url: options.databaseUrl, lockSeconds: options.lockSeconds, supervise: options.runWorker, log: options.log });
}

export async function createPlatform(config: Config, options: { runWorker: boolean }): Promise<Platform> {
  const log = createLogger(config.logLevel);
  const db = await openAndMigrate(config, log);
  const store = openObjectStore(config);
  const jobs = await openJobQueue(db, { databaseUrl: config.databaseUrl, lockSeconds: config.jobs.lockSeconds, runWorker: options.runWorker, log });
  const registry = new JobRegistry();
  // The services and the media host are loaded here, not at import: the CLI's commands open
  // the database through this module and need neither.
  const { createServices } = await import('./services/index.ts');
  const services = createServices(config, db, { store, jobs, onQueued: () => worker?.poke() });
  let worker: Worker | null = null;
  const mediaHost =
    config.mediaHost === 'embedded'
      ? (await import('./media/media-host.ts')).createMediaHost({
          credentials: config.cloudinary,
          publicUrl: config.publicUrl,
          dataDir: config.dataDir,
          maxUploadBytes: config.maxUploadBytes,
          maxFormFieldBytes: config.limits.maxFormFieldBytes,
          requestTimeoutMs: config.limits.requestTimeoutMs,
          maxUploadPixels: config.maxUploadPixels,
          derivedCacheBytes: config.derivedCacheBytes,
          db: db.kysely,
          store,
          jobs,
          onQueued: () => worker?.poke(),
        })
      : null;
  if (mediaHost) {
    await mediaHost.migrate();
    registry.register(mediaHost.notificationJob);
  }
  registry.register(services.jobs.deliverWebhook).register(services.jobs.purgeTrash);
  await jobs.prepare(registry.names());
  let stopPurgeSchedule: (() => void) | null = null;
  let stopWatching: (() => Promise<void>) | null = null;
  if (options.runWorker) {
    const pollMs = jobs.pushesWakeUps ? Math.max(config.jobs.pollMs, FALLBACK_POLL_MS) : config.jobs.pollMs;
    const running = new Worker(jobs, registry, log, { ...config.jobs, pollMs });
    worker = running;
    running.start();
    stopWatching = await jobs.watch(() => running.poke());
    // The trash purge, queued once per hour whichever processes run workers.
    stopPurgeSchedule = schedulePeriodic({
      everyMs: 10 * 60 * 1000,
      enqueue: () => jobs.enqueue(db.kysely, services.jobs.purgeTrash, { v: 1 }, { dedupKey: PurgeTrashJob.dedupKey(new Date()) }),
      log,
    });
  }
  return {
    config,
    db,
    store,
    jobs,
    registry,
    services,
    mediaHost,
    worker,
    async close() {
      stopPurgeSchedule?.();
      await stopWatching?.();
      await worker?.stop();
      await jobs.close();
      await store.close();
      await db.close();
    },
  };
}
