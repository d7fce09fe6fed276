/**
 * The embedded media host: Cloudinary's upload, management, Admin and delivery APIs, served
 * by this process when MEDIA_HOST=embedded. It stands alone: it knows nothing of albums or
 * the API's tables, keeps its own tables (db/media-schema.ts, migrated by
 * db/media-migrations.ts) and error format, and reaches the API only through signed
 * notifications, as Cloudinary would.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobQueue } from '../jobs/job-queue.ts';
import { logRequest, logsEachRequest } from '../logging.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { adminAuth, type AdminDeps } from './admin/admin-deps.ts';
import { deleteResourcesRoutes } from './admin/delete-resources-routes.ts';
import { pingRoute } from './admin/ping-route.ts';
import { resourcesRoutes } from './admin/resources-routes.ts';
import { transformationsRoutes } from './admin/transformations-routes.ts';
import { uploadPresetsRoutes } from './admin/upload-presets-routes.ts';
import { usageRoute } from './admin/usage-route.ts';
import { AssetLookup } from './asset-lookup.ts';
import { AssetRemoval } from './asset-removal.ts';
import { limit } from './concurrency.ts';
import type { MediaDb, SharedDb } from './db/media-schema.ts';
import { migrateMediaHost } from './db/media-migrations.ts';
import { withDeliveryHeaders } from './delivery/delivery-headers.ts';
import { answerFromMemory, deliveryRoutes } from './delivery/delivery-route.ts';
import { Derivatives } from './delivery/derivatives.ts';
import { DerivedCache } from './delivery/derived-cache.ts';
import { VerifiedUrls } from './delivery/verified-urls.ts';
import { EagerMaker } from './eager.ts';
import { contextRoute } from './manage/context-route.ts';
import { deleteByTokenRoute } from './manage/delete-by-token-route.ts';
import { destroyRoute } from './manage/destroy-route.ts';
import { explicitRoute } from './manage/explicit-route.ts';
import type { ManageDeps } from './manage/manage-deps.ts';
import { renameRoute } from './manage/rename-route.ts';
import { tagsRoute } from './manage/tags-route.ts';
import { MediaAssetsRepository } from './media-assets.repository.ts';
import { toMediaError } from './media-error.ts';
import { NamedTransformations } from './named-transformations.ts';
import { DeliverNotificationJob } from './notifications/deliver-notification.job.ts';
import { UploadPresets } from './upload-presets.ts';
import { ChunkedUploads } from './upload/chunked-upload.ts';
import { MediaUploader } from './upload/media-uploader.ts';
import { multipartLimits } from './upload/receive-upload.ts';
import { sweepStaleTempFiles } from './upload/temp-files.ts';
import { uploadRoute } from './upload/upload-route.ts';
import type { CloudinaryCredentials } from './credentials.ts';

export interface MediaHostOptions {
  credentials: CloudinaryCredentials;
  /** Base of the host's own URLs (its PUBLIC_URL). */
  publicUrl: string;
  dataDir: string;
  maxUploadBytes: number;
  /** Largest text field of an upload form (MAX_FORM_FIELD_BYTES). */
  maxFormFieldBytes: number;
  /** No upload takes longer (REQUEST_TIMEOUT_MS): older temp files are a dead process's, swept at start. */
  requestTimeoutMs: number;
  maxUploadPixels: number;
  derivedCacheBytes: number;
  /** The database the host keeps its own tables in; whatever else it holds is not the host's business. */
  db: SharedDb;
  store: ObjectStore;
  jobs: JobQueue;
  /** Called when a notification was queued. */
  onQueued: () => void;
}

/** The host's parts: its migrations, its background job, and Fastify plugins with its routes. */
export interface MediaHost {
  /** Applies the host's own migrations; call before serving. */
  migrate(): Promise<void>;
  notificationJob: DeliverNotificationJob;
  /** Upload, management and Admin API routes. */
  register(app: FastifyInstance): Promise<void>;
  /**
   * The delivery routes (`/<cloud>/image/...`, `/<cloud>/raw/...`), in a scope of their own
   * that adds no hook: register them where no other hook reaches, since every hot derivative
   * pays for each one. They set their own headers (CORS, nosniff, CSP) and answer their own
   * errors (Cloudinary's JSON, 414 for an over-long URL).
   */
  registerDelivery(app: FastifyInstance): Promise<void>;
  /**
   * Answers a request for a hot derivative (a URL whose answer is remembered, see
   * delivery/verified-urls.ts) straight on node:http, before the framework routes it; returns
   * false, having done nothing, for any other request. `log` gets the request's line at `info`.
   */
  answerFromMemory(request: IncomingMessage, response: ServerResponse, log: FastifyBaseLogger): boolean;
}

/** Cloudinary's error format for whatever a route of the host threw. */
function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mediaError = toMediaError(error);
  if (mediaError.status >= 500) request.log.error({ err: error }, 'media host request failed');
  return reply.status(mediaError.status).type('application/json; charset=utf-8');
}

export function createMediaHost(options: MediaHostOptions): MediaHost {
  const db: MediaDb = options.db;
  const { credentials } = options;
  const assets = new MediaAssetsRepository(db);
  // Answers of hot derivative URLs; an asset changed or removed here, or its derivatives purged, takes its answers along.
  const verified = new VerifiedUrls();
  const lookup = new AssetLookup(assets, { onForget: (key) => verified.revokeAsset(credentials.cloudName, key) });
  const named = new NamedTransformations(db);
  const presets = new UploadPresets(db);
  const notificationJob = new DeliverNotificationJob(credentials.apiSecret);
  const cache = new DerivedCache({ store: options.store, maxBytes: options.derivedCacheBytes, onPurge: (prefix) => verified.revoke(prefix) });
  const derivatives = new Derivatives(options.store, cache, availableParallelism(), async (publicId) => {
    const layer = await lookup.find({ resourceType: 'image', type: 'upload', publicId }, null);
    return layer?.storageKey ?? null;
  });
  const removal = new AssetRemoval({ cloudName: credentials.cloudName, assets, store: options.store, cache, lookup });
  const eager = new EagerMaker(credentials.cloudName, derivatives, named);
  const json = { deliveryBaseUrl: options.publicUrl, ...credentials };
  const tmpDir = join(options.dataDir, 'tmp');
  const chunks = new ChunkedUploads(join(tmpDir, 'chunks'), options.maxUploadBytes);
  const uploader = new MediaUploader({
    db,
    assets,
    store: options.store,
    jobs: options.jobs,
    notification: notificationJob,
    analysisLimit: limit(),
    removal,
    eager,
    named,
    json,
    maxPixels: options.maxUploadPixels,
    onQueued: options.onQueued,
  });
  const manage: ManageDeps = { credentials, assets, removal, eager, json, tmpDir, maxUploadBytes: options.maxUploadBytes, maxFormFieldBytes: options.maxFormFieldBytes };
  const admin: AdminDeps = { credentials, assets, removal, cache, named, presets, json };

  return {
    migrate: () => migrateMediaHost(options.db),
    notificationJob,
    async register(app) {
      await sweepStaleTempFiles(tmpDir, options.requestTimeoutMs);
      // Chunks abandoned while no chunked upload started (or before a crash) go now, not at the next one.
      await chunks.sweep();
      await app.register(async (host) => {
        // Cloudinary's error format, and CORS: browsers post forms here from any origin.
        host.setErrorHandler((error: FastifyError, request, reply) => {
          answerError(error, request, reply).send(toMediaError(error).toJSON());
        });
        host.addHook('onRequest', async (_request, reply) => {
          reply.header('Access-Control-Allow-Origin', '*');
        });
        host.options('/v1_1/:cloud/:resource_type/upload', { schema: { hide: true } }, async (_request, reply) => {
          reply
            .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
            .header('Access-Control-Allow-Headers', 'Content-Type, X-Requested-With, X-Unique-Upload-Id, Content-Range')
            .header('Access-Control-Max-Age', '86400')
            .status(204)
            .send();
        });
        await host.register(multipart, {
          limits: multipartLimits({ maxBytes: options.maxUploadBytes, maxFieldBytes: options.maxFormFieldBytes }),
        });
        uploadRoute(host, {
          credentials,
          uploader,
          presets,
          chunks,
          tmpDir,
          maxUploadBytes: options.maxUploadBytes,
          maxFormFieldBytes: options.maxFormFieldBytes,
        });
        for (const route of [destroyRoute, renameRoute, explicitRoute, tagsRoute, contextRoute, deleteByTokenRoute]) route(host, manage);
        await host.register(async (adminApi) => {
          adminAuth(adminApi, credentials);
          pingRoute(adminApi);
          usageRoute(adminApi, admin);
          resourcesRoutes(adminApi, admin);
          deleteResourcesRoutes(adminApi, admin);
          transformationsRoutes(adminApi, admin);
          uploadPresetsRoutes(adminApi, admin);
        });
      });
    },
    answerFromMemory(request, response, log) {
      if (!logsEachRequest(log)) return answerFromMemory(verified, request, response);
      const started = performance.now();
      if (!answerFromMemory(verified, request, response)) return false;
      const { method, url } = request;
      logRequest(log, { method, url, remoteAddress: request.socket?.remoteAddress }, response.statusCode, performance.now() - started, randomUUID());
      return true;
    },
    async registerDelivery(app) {
      await app.register(async (delivery) => {
        delivery.setErrorHandler((error: FastifyError, request, reply) => {
          withDeliveryHeaders(answerError(error, request, reply)).send(toMediaError(error).toJSON());
        });
        // The log line every request gets at `info` (as the API's request-log.ts writes it); below it, no hook at all.
        if (logsEachRequest(app.log)) {
          delivery.addHook('onResponse', (request, reply, done) => {
            logRequest(request.log, { method: request.method, url: request.url, remoteAddress: request.ip }, reply.statusCode, reply.elapsedTime);
            done();
          });
        }
        await delivery.register(
          deliveryRoutes({
            cloudName: credentials.cloudName,
            apiSecret: credentials.apiSecret,
            store: options.store,
            derivatives,
            verified,
            findAsset: (resourceType, publicId, type, version) => lookup.find({ resourceType, type, publicId }, version),
            expandNamed: (transformation) => named.expand(transformation),
            rememberFaces: (publicId, type, faces) => {
              lookup.rememberFaces({ resourceType: 'image', type, publicId }, faces).catch((err: unknown) => {
                app.log.warn({ err, publicId }, 'keeping detected faces failed');
              });
            },
          }),
        );
      });
    },
  };
}
