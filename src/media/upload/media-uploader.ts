/**
 * What the host does with an authorised upload: analyse it (bounded concurrency), store the
 * original, and record the asset and its notification in one transaction before answering,
 * so that an answered upload always reaches its notification URL, even across a crash.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { AppError, badRequest } from '../../errors/app-error.ts';
import type { JobStore } from '../../jobs/job-store.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { analyzeImage, type ImageAnalysis, ImageRejectedError } from '../analysis/analyze-image.ts';
import type { Limit } from '../concurrency.ts';
import { buildDeliveryUrl } from '../delivery/delivery-url.ts';
import type { MediaAssetsRepository } from '../media-assets.repository.ts';
import type { DeliverNotificationJob } from '../notifications/deliver-notification.job.ts';
import { signUploadResponse } from '../signing.ts';
import type { ReceivedFile } from './receive-upload.ts';

/** Delivery types an upload may ask for; authenticated and private ones need signed URLs. */
const DELIVERY_TYPES = new Set(['upload', 'authenticated', 'private']);
const PUBLIC_ID = /^[\w\-.~ @()!,]+(\/[\w\-.~ @()!,]+)*$/u;

export interface MediaUploaderDeps {
  db: Kysely<Database>;
  assets: MediaAssetsRepository;
  store: ObjectStore;
  jobs: JobStore;
  notification: DeliverNotificationJob;
  analysisLimit: Limit;
  credentials: { apiKey: string; apiSecret: string; cloudName: string };
  /** Base of the host's delivery URLs. */
  deliveryBaseUrl: string;
  maxPixels: number;
  /** Called after a notification is queued, to deliver it without waiting for the next poll. */
  onQueued: () => void;
}

const truthy = (value: string | undefined): boolean => value === '1' || value === 'true';

function publicIdOf(params: Record<string, string>): string {
  const chosen = params.public_id;
  const base = chosen ?? randomBytes(15).toString('base64url').replace(/[-_]/g, '').slice(0, 20).toLowerCase();
  const folder = params.folder?.replace(/^\/+|\/+$/g, '');
  const publicId = folder ? `${folder}/${base}` : base;
  if (publicId.length > 255 || !PUBLIC_ID.test(publicId) || publicId.split('/').some((p) => p === '.' || p === '..')) {
    throw badRequest(`Invalid public_id ${JSON.stringify(publicId)}`);
  }
  return publicId;
}

/** Cloudinary's `image_metadata`-style response fields, only those the request asked for. */
function requestedAnalysis(params: Record<string, string>, analysis: ImageAnalysis): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (truthy(params.colors)) {
    out.colors = analysis.colors;
    out.predominant = analysis.predominant;
  }
  if (truthy(params.faces)) out.faces = analysis.faces;
  if (truthy(params.phash)) out.phash = analysis.phash;
  if (truthy(params.image_metadata)) out.image_metadata = analysis.imageMetadata;
  return out;
}

export class MediaUploader {
  constructor(private readonly deps: MediaUploaderDeps) {}

  /** Stores and announces one upload; returns Cloudinary's upload response JSON. */
  async ingest(params: Record<string, string>, file: ReceivedFile): Promise<Record<string, unknown>> {
    const type = params.type ?? 'upload';
    if (!DELIVERY_TYPES.has(type)) throw badRequest(`Invalid type ${JSON.stringify(type)}`);
    const publicId = publicIdOf(params);
    const analysis = await this.deps.analysisLimit(() =>
      analyzeImage(file.path, { maxPixels: this.deps.maxPixels, faces: truthy(params.faces) }),
    ).catch((err: unknown) => {
      if (err instanceof ImageRejectedError) {
        throw badRequest(err.reason === 'too_many_pixels' ? err.message : `Invalid image file: ${err.message}`);
      }
      throw err;
    });

    const previous = await this.deps.assets.find(type, publicId);
    if (previous && params.overwrite === 'false') {
      throw new AppError('conflict', `Resource ${publicId} already exists and overwrite is false`);
    }
    // Versions are upload times in seconds, as Cloudinary's; an overwrite always gets a newer one.
    const version = Math.max(Math.floor(Date.now() / 1000), (previous?.version ?? 0) + 1);
    const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const storageKey = `originals/${type}/${publicId}/v${version}.${analysis.format}`;
    await this.deps.store.putFile(storageKey, file.path);

    const { cloudName, apiKey, apiSecret } = this.deps.credentials;
    const url = buildDeliveryUrl({
      baseUrl: this.deps.deliveryBaseUrl,
      cloud: cloudName,
      type,
      version,
      publicId,
      ext: analysis.format,
      apiSecret,
      sign: type !== 'upload',
    });
    const tags = params.tags ? params.tags.split(',').map((t) => t.trim()).filter(Boolean) : [];
    const originalFilename = file.filename.replace(/\.[^.]*$/, '') || 'file';
    const response: Record<string, unknown> = {
      asset_id: randomUUID().replace(/-/g, ''),
      public_id: publicId,
      version,
      version_id: randomBytes(16).toString('hex'),
      signature: signUploadResponse(publicId, version, apiSecret),
      width: analysis.width,
      height: analysis.height,
      format: analysis.format,
      resource_type: 'image',
      created_at: createdAt,
      tags,
      pages: analysis.pages,
      bytes: file.bytes,
      type,
      etag: file.md5,
      placeholder: false,
      url,
      secure_url: url,
      asset_folder: '',
      display_name: publicId.split('/').pop(),
      ...requestedAnalysis(params, analysis),
      original_filename: originalFilename,
      api_key: apiKey,
    };

    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await this.deps.assets.upsert(
          {
            type,
            public_id: publicId,
            version,
            format: analysis.format,
            storage_key: storageKey,
            bytes: file.bytes,
            width: analysis.width,
            height: analysis.height,
            faces: JSON.stringify(analysis.faces),
            created_at: createdAt,
          },
          trx,
        );
        if (params.notification_url) {
          const body = JSON.stringify({ notification_type: 'upload', timestamp: createdAt, ...response });
          await this.deps.jobs.enqueue(this.deps.notification, { v: 1, url: params.notification_url, body }, { executor: trx });
        }
      });
    } catch (err) {
      await this.deps.store.delete(storageKey);
      throw err;
    }
    if (params.notification_url) this.deps.onQueued();
    return response;
  }
}
