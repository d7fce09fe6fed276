/**
 * Medium tests: the real services over a real database, without HTTP (as Immich's server's
 * `test/medium.factory.ts`). The database is a SQLite file in a temp dir, or a fresh
 * PostgreSQL database when TEST_DATABASE=postgres; it is migrated and the job queue opened as
 * the platform does (platform.ts), and the services are wired by `createServices` itself, so
 * these tests see exactly what a request handler sees. No worker runs: jobs stay queued, for
 * the tests to count.
 */
import { rmSync } from 'node:fs';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import type { Abilities } from '../../src/auth/abilities.ts';
import type { Actor } from '../../src/auth/permissions.ts';
import { AppError, type ErrorCode } from '../../src/errors/app-error.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/logging.ts';
import { signNotification } from '../../src/media/signing.ts';
import { openAndMigrate, openJobQueue } from '../../src/platform.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import type { NotificationResult } from '../../src/services/notifications.service.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';

export interface Medium {
  config: Config;
  db: Db;
  jobs: JobQueue;
  services: Services;
  /** How many times the services asked to wake the worker (after a commit that queued a job). */
  wakeUps(): number;
  close(): Promise<void>;
}

/** Opens a fresh database of the suite's kind and wires the services over it. */
export async function openMedium(name: string): Promise<Medium> {
  const dataDir = tempDir(`medium-${name}`);
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SECRET_KEY_BASE: 'medium-test-secret-key-base-0123456789abcdef',
    CLOUDINARY_URL: 'cloudinary://123456:medium-api-secret@medium',
    // The webhook URLs of these tests point nowhere: no delivery runs.
    WEBHOOK_ALLOW_PRIVATE: '1',
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const log = createLogger('silent');
  const db = await openAndMigrate(config, log);
  const jobs = await openJobQueue(db, { databaseUrl: config.databaseUrl, lockSeconds: 60, runWorker: false, log });
  let wakeUps = 0;
  const services = createServices(config, db, { jobs, onQueued: () => wakeUps++ });
  await jobs.prepare([services.jobs.deliverWebhook.name, services.jobs.purgeTrash.name]);
  return {
    config,
    db,
    jobs,
    services,
    wakeUps: () => wakeUps,
    async close() {
      await jobs.close();
      await db.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let tenants = 0;

/** A fresh organization (each test its own, so tests need no cleanup) with an admin user. */
export interface Tenant {
  organizationId: string;
  userId: string;
  /** The admin, with full rights. */
  admin: Actor;
  /** A caller of this organization whose token carries only `abilities`. */
  restricted(abilities: Abilities): Promise<Actor>;
}

export async function newTenant(medium: Medium): Promise<Tenant> {
  const { accounts, auth } = medium.services;
  const n = ++tenants;
  const org = await accounts.createOrganization(`Medium org ${n}`);
  const user = await accounts.createUser({ organizationId: org.id, email: `medium${n}@example.org`, admin: true });
  // Actors come from real tokens through the auth service, as the API's own hook gets them.
  const actorOf = async (abilities: Abilities): Promise<Actor> => {
    const checked = await auth.check({ kind: 'token', token: await accounts.userToken(user.public_id, abilities) });
    if ('refused' in checked) throw new Error(`token refused: ${checked.refused}`);
    return checked.actor;
  };
  return { organizationId: org.id, userId: user.public_id, admin: await actorOf({}), restricted: actorOf };
}

/**
 * The media host's signed notification of an upload of `publicId` into `album` of the
 * actor's organization (the album form's token and an X-Cld-Signature), as the
 * NotificationsService receives it: no file, no sharp. Opens the album when it does not
 * exist yet.
 */
export async function notifyUpload(medium: Medium, actor: Actor, album: string, publicId: string): Promise<NotificationResult> {
  const json = await medium.services.albums.get(actor, album);
  const notificationUrl = json.upload_form?.params.notification_url;
  if (!notificationUrl) throw new Error(`album ${album} has no upload form for this actor`);
  const token = new URL(notificationUrl).searchParams.get('token') ?? undefined;
  const body = JSON.stringify({
    notification_type: 'upload',
    public_id: publicId,
    version: 1,
    format: 'jpg',
    type: 'authenticated',
    resource_type: 'image',
    width: 4,
    height: 3,
    bytes: 100,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = signNotification(body, timestamp, medium.config.cloudinary.apiSecret);
  return medium.services.notifications.receive(token, body, { timestamp, signature });
}

/** Records a new image (see notifyUpload); returns its id. */
export async function upload(medium: Medium, actor: Actor, album: string, publicId: string): Promise<string> {
  const result = await notifyUpload(medium, actor, album, publicId);
  if (result.status !== 'created' || !result.image_id) throw new Error(`upload of ${publicId} into ${album}: ${result.status}`);
  return result.image_id;
}

/** An assertion predicate: the error is an AppError with this code. */
export const appError =
  (code: ErrorCode) =>
  (err: unknown): boolean =>
    err instanceof AppError && err.code === code;
