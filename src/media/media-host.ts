/**
 * The embedded media host: Cloudinary's upload and delivery protocol, served by this process
 * when MEDIA_HOST=embedded. It stands alone: it knows nothing of albums or the API's tables,
 * keeps its own record of assets, and reaches the API only through signed notifications.
 */
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { toAppError } from '../http/plugins/error-handler.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { limit } from './concurrency.ts';
import { deliveryRoutes } from './delivery/delivery-route.ts';
import { DerivedCache } from './delivery/derived-cache.ts';
import { AssetLookup } from './asset-lookup.ts';
import { MediaAssetsRepository } from './media-assets.repository.ts';
import { DeliverNotificationJob } from './notifications/deliver-notification.job.ts';
import { MediaUploader } from './upload/media-uploader.ts';
import { multipartLimits } from './upload/receive-upload.ts';
import { sweepStaleTempFiles } from './upload/temp-files.ts';
import { uploadRoute } from './upload/upload-route.ts';

export interface MediaHostOptions {
  credentials: { apiKey: string; apiSecret: string; cloudName: string };
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
  db: Kysely<Database>;
  store: ObjectStore;
  jobs: JobStore;
  /** Called when a notification was queued. */
  onQueued: () => void;
}

/** The host's parts: its background job, and a Fastify plugin with its routes. */
export interface MediaHost {
  notificationJob: DeliverNotificationJob;
  register(app: FastifyInstance): Promise<void>;
}

export function createMediaHost(options: MediaHostOptions): MediaHost {
  const assets = new MediaAssetsRepository(options.db);
  const lookup = new AssetLookup(assets);
  const notificationJob = new DeliverNotificationJob(options.credentials.apiSecret);
  const uploader = new MediaUploader({
    db: options.db,
    assets,
    store: options.store,
    jobs: options.jobs,
    notification: notificationJob,
    analysisLimit: limit(),
    credentials: options.credentials,
    deliveryBaseUrl: options.publicUrl,
    maxPixels: options.maxUploadPixels,
    onQueued: options.onQueued,
  });
  const cache = new DerivedCache({ store: options.store, maxBytes: options.derivedCacheBytes });

  return {
    notificationJob,
    async register(app) {
      await sweepStaleTempFiles(join(options.dataDir, 'tmp'), options.requestTimeoutMs);
      await app.register(async (host) => {
        // Cloudinary's error format, and CORS: browsers post forms here from any origin.
        host.setErrorHandler((error: FastifyError, request, reply) => {
          const appError = toAppError(error);
          if (appError.status >= 500) request.log.error({ err: error }, 'media host request failed');
          reply.status(appError.status).send({ error: { message: appError.message } });
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
          credentials: options.credentials,
          uploader,
          tmpDir: join(options.dataDir, 'tmp'),
          maxUploadBytes: options.maxUploadBytes,
          maxFormFieldBytes: options.maxFormFieldBytes,
        });
        await host.register(
          deliveryRoutes({
            cloudName: options.credentials.cloudName,
            apiSecret: options.credentials.apiSecret,
            store: options.store,
            cache,
            findAsset: (publicId, type, version) => lookup.find(publicId, type, version),
          }),
        );
      });
    },
  };
}
