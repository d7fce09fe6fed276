/**
 * What the host does with an authorised upload, with Cloudinary's upload options: choose the
 * public id, keep an existing asset when `overwrite` is false, apply an incoming
 * `transformation`, analyse the image (bounded concurrency) or keep a raw file as is, store
 * it, make `eager` derivatives, and record the asset and its notification in one transaction
 * before answering, so that an answered upload always reaches its notification URL, even
 * across a crash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { analyzeImage, type ImageAnalysis, ImageRejectedError } from '../analysis/analyze-image.ts';
import { assetJson, type AssetJsonContext } from '../asset-json.ts';
import { AssetRemoval, keyOf } from '../asset-removal.ts';
import type { Limit } from '../concurrency.ts';
import type { MediaDb } from '../db/media-schema.ts';
import { createDeleteToken } from '../delete-token.ts';
import { renderDerivative } from '../delivery/render.ts';
import { parseTransformation, TransformationError } from '../delivery/transformations.ts';
import type { EagerMaker } from '../eager.ts';
import type { MediaAsset, MediaAssetsRepository } from '../media-assets.repository.ts';
import { badRequest } from '../media-error.ts';
import type { NamedTransformations } from '../named-transformations.ts';
import type { DeliverNotificationJob } from '../notifications/deliver-notification.job.ts';
import type { ReceivedFile } from './receive-upload.ts';
import { choosePublicId, isFalse, isTrue, originalFilename, parseEager, parseKeyValues, parseTags } from './upload-options.ts';

/** Delivery types an upload may ask for; authenticated and private ones need signed URLs. */
const DELIVERY_TYPES = new Set(['upload', 'authenticated', 'private']);

/** The resource type the upload URL names. */
export type UploadResourceType = 'image' | 'raw' | 'auto';

export interface MediaUploaderDeps {
  db: MediaDb;
  assets: MediaAssetsRepository;
  store: ObjectStore;
  /** The queue shares the host's database, so the host's transaction can carry a job. */
  jobs: JobQueue;
  notification: DeliverNotificationJob;
  analysisLimit: Limit;
  removal: AssetRemoval;
  eager: EagerMaker;
  named: NamedTransformations;
  json: AssetJsonContext;
  maxPixels: number;
  /** Called after a notification is queued, to deliver it without waiting for the next poll. */
  onQueued: () => void;
}

export class MediaUploader {
  constructor(private readonly deps: MediaUploaderDeps) {}

  /**
   * Analyses an image; for `auto`, a file that is no image becomes raw (null), unless the
   * request asked for image analysis (colors, faces, phash, image_metadata): such a request,
   * as the album API's forms make, wants an image, and is told plainly that this is none.
   */
  private async analyse(path: string, params: Record<string, string>, resourceType: UploadResourceType): Promise<ImageAnalysis | null> {
    if (resourceType === 'raw') return null;
    try {
      return await this.deps.analysisLimit(() => analyzeImage(path, { maxPixels: this.deps.maxPixels, faces: isTrue(params.faces) }));
    } catch (err) {
      if (!(err instanceof ImageRejectedError)) throw err;
      const wantsImage = ['colors', 'faces', 'phash', 'image_metadata'].some((option) => isTrue(params[option]));
      if (resourceType === 'auto' && err.reason === 'not_an_image' && !wantsImage) return null;
      throw badRequest(err.reason === 'too_many_pixels' ? err.message : `Invalid image file: ${err.message}`);
    }
  }

  /** An incoming transformation, applied to what is stored: the result replaces the file. */
  private async transformIncoming(file: ReceivedFile, transformation: string, analysis: ImageAnalysis): Promise<ReceivedFile> {
    let body: Buffer;
    try {
      const plan = parseTransformation(await this.deps.named.expand(transformation));
      const ext = plan.format && plan.format !== 'auto' ? plan.format : analysis.format;
      body = (await renderDerivative(await readFile(file.path), plan, { ext, faces: analysis.faces })).body;
    } catch (err) {
      if (err instanceof TransformationError) throw badRequest(`Invalid transformation: ${err.message}`);
      throw err;
    }
    const path = `${file.path}.incoming`;
    await writeFile(path, body);
    return { path, filename: file.filename, bytes: body.length, md5: createHash('md5').update(body).digest('hex') };
  }

  /** Stores and announces one upload; returns Cloudinary's upload response JSON. */
  async ingest(params: Record<string, string>, file: ReceivedFile, resourceType: UploadResourceType): Promise<Record<string, unknown>> {
    const type = params.type ?? 'upload';
    if (!DELIVERY_TYPES.has(type)) throw badRequest(`Invalid type ${JSON.stringify(type)}`);
    const eagerRequests = parseEager(params.eager);
    const tags = parseTags(params.tags);
    const context = parseKeyValues(params.context, 'context');
    const metadata = parseKeyValues(params.metadata, 'metadata');

    let analysis = await this.analyse(file.path, params, resourceType);
    const raw = analysis === null;
    if (raw && (params.transformation || eagerRequests.length)) {
      throw badRequest('Raw files are stored as uploaded: transformation and eager apply to images only');
    }
    const publicId = choosePublicId(params, params.filename_override ?? file.filename, raw);
    const key = { resourceType: raw ? 'raw' : 'image', type, publicId };
    const previous = await this.deps.assets.find(key);
    if (previous && isFalse(params.overwrite)) {
      // Cloudinary keeps the stored file and answers with it, saying so.
      return { ...assetJson(this.deps.json, previous), existing: true };
    }

    let content: ReceivedFile = file;
    try {
      if (analysis && params.transformation) {
        content = await this.transformIncoming(file, params.transformation, analysis);
        analysis = await this.analyse(content.path, params, 'image');
      }
      return await this.store(params, key, content, analysis, { previous, tags, context, metadata, eagerRequests, originalName: originalFilename(params, file.filename) });
    } finally {
      if (content !== file) await rm(content.path, { force: true });
    }
  }

  private async store(
    params: Record<string, string>,
    key: { resourceType: string; type: string; publicId: string },
    file: ReceivedFile,
    analysis: ImageAnalysis | null,
    extra: {
      previous: MediaAsset | undefined;
      tags: string[];
      context: Record<string, string>;
      metadata: Record<string, string>;
      eagerRequests: ReturnType<typeof parseEager>;
      originalName: string;
    },
  ): Promise<Record<string, unknown>> {
    const { previous } = extra;
    // Versions are upload times in seconds, as Cloudinary's; an overwrite always gets a newer one.
    const version = Math.max(Math.floor(Date.now() / 1000), (previous?.version ?? 0) + 1);
    const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const format = analysis?.format ?? (/\.([A-Za-z0-9]{1,8})$/.exec(key.publicId)?.[1]?.toLowerCase() ?? '');
    const storageKey = analysis
      ? `originals/${key.type}/${key.publicId}/v${version}.${format}`
      : `originals-raw/${key.type}/${key.publicId}/v${version}`;
    // An overwrite always does here what `invalidate=true` does at Cloudinary's CDN: the replaced
    // file's derivatives leave this host's caches (memory and store), whether or not the upload
    // asked, since no URL should render the old file. Caches in front of the host are out of reach.
    if (previous) await this.deps.removal.purgeDerivatives(key);
    await this.deps.store.putFile(storageKey, file.path);

    const asset: MediaAsset = {
      resource_type: key.resourceType,
      type: key.type,
      public_id: key.publicId,
      asset_id: previous?.asset_id ?? randomBytes(16).toString('hex'),
      version,
      format,
      storage_key: storageKey,
      bytes: file.bytes,
      width: analysis?.width ?? 0,
      height: analysis?.height ?? 0,
      faces: JSON.stringify(analysis?.faces ?? []),
      etag: file.md5,
      original_filename: extra.originalName,
      tags: JSON.stringify(extra.tags),
      context: JSON.stringify(extra.context),
      metadata: JSON.stringify(extra.metadata),
      analysis: JSON.stringify(
        analysis
          ? {
              colors: analysis.colors,
              predominant: analysis.predominant,
              phash: analysis.phash,
              image_metadata: analysis.imageMetadata,
              pages: analysis.pages,
              faces_detected: isTrue(params.faces),
            }
          : {},
      ),
      derived: '[]',
      created_at: createdAt,
    };
    let derived;
    try {
      derived = await this.deps.eager.make(asset, extra.eagerRequests);
    } catch (err) {
      await this.deps.store.delete(storageKey);
      throw err;
    }
    asset.derived = JSON.stringify(derived);

    const response: Record<string, unknown> = {
      ...assetJson(this.deps.json, asset, {
        colors: isTrue(params.colors),
        faces: isTrue(params.faces),
        phash: isTrue(params.phash),
        image_metadata: isTrue(params.image_metadata),
        derived: extra.eagerRequests.length ? 'eager' : false,
      }),
      ...(isTrue(params.return_delete_token)
        ? { delete_token: createDeleteToken({ ...key, version }, this.deps.json.apiSecret) }
        : {}),
    };
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await this.deps.assets.upsert(asset, trx);
        if (params.notification_url) {
          const body = JSON.stringify({ notification_type: 'upload', timestamp: createdAt, ...response });
          await this.deps.jobs.enqueue(trx, this.deps.notification, { v: 1, url: params.notification_url, body });
        }
      });
    } catch (err) {
      await this.deps.store.delete(storageKey);
      throw err;
    }
    if (previous && previous.storage_key !== storageKey) await this.deps.store.delete(previous.storage_key);
    this.deps.removal.forget(keyOf(asset));
    if (params.notification_url) this.deps.onQueued();
    return response;
  }
}
