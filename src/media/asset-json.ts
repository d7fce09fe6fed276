/**
 * An asset as Cloudinary's APIs describe it: the upload response, and the Admin API's
 * resource details. One shape for both, so that what an upload answered and what `resource`
 * later says cannot disagree.
 */
import { buildDeliveryUrl } from './delivery/delivery-url.ts';
import type { MediaAsset } from './media-assets.repository.ts';
import { signUploadResponse } from './signing.ts';

/** What URLs and signatures in the JSON are made with. */
export interface AssetJsonContext {
  deliveryBaseUrl: string;
  cloudName: string;
  apiKey: string;
  apiSecret: string;
}

/** Optional parts, each named as the Cloudinary parameter that asks for it. */
export interface AssetJsonParts {
  colors?: boolean;
  faces?: boolean;
  phash?: boolean;
  image_metadata?: boolean;
  /** The Admin API lists derivatives; the upload response lists eager ones as `eager`. */
  derived?: 'derived' | 'eager' | false;
}

/** Stored analysis of an image (see analysis/analyze-image.ts). */
interface StoredAnalysis {
  colors?: unknown;
  predominant?: unknown;
  phash?: string;
  image_metadata?: unknown;
  pages?: number;
}

/** An eager derivative as recorded: its transformation and the format it is delivered in. */
export interface DerivedRecord {
  transformation: string;
  format: string;
  width?: number;
  height?: number;
  bytes?: number;
}

/** The delivery URL of an asset, or of one of its derivatives. */
export function assetUrl(
  context: AssetJsonContext,
  asset: Pick<MediaAsset, 'resource_type' | 'type' | 'public_id' | 'version' | 'format'>,
  transformation?: string,
  format?: string,
): string {
  return buildDeliveryUrl({
    baseUrl: context.deliveryBaseUrl,
    cloud: context.cloudName,
    resourceType: asset.resource_type,
    type: asset.type,
    version: asset.version,
    publicId: asset.public_id,
    ext: asset.resource_type === 'raw' ? '' : (format ?? asset.format),
    transformation,
    apiSecret: context.apiSecret,
    sign: asset.type !== 'upload',
  });
}

export function assetJson(context: AssetJsonContext, asset: MediaAsset, parts: AssetJsonParts = {}): Record<string, unknown> {
  const analysis = JSON.parse(asset.analysis) as StoredAnalysis;
  const raw = asset.resource_type === 'raw';
  const url = assetUrl(context, asset);
  const folder = asset.public_id.includes('/') ? asset.public_id.slice(0, asset.public_id.lastIndexOf('/')) : '';
  const json: Record<string, unknown> = {
    asset_id: asset.asset_id,
    public_id: asset.public_id,
    version: asset.version,
    version_id: asset.etag.slice(0, 32),
    signature: signUploadResponse(asset.public_id, asset.version, context.apiSecret),
    ...(raw ? {} : { width: asset.width, height: asset.height, format: asset.format }),
    resource_type: asset.resource_type,
    created_at: asset.created_at,
    tags: JSON.parse(asset.tags),
    ...(raw ? {} : { pages: analysis.pages ?? 1 }),
    bytes: asset.bytes,
    type: asset.type,
    etag: asset.etag,
    placeholder: false,
    url,
    secure_url: url,
    folder,
    asset_folder: folder,
    display_name: asset.public_id.slice(asset.public_id.lastIndexOf('/') + 1),
  };
  const context_ = JSON.parse(asset.context) as Record<string, string>;
  if (Object.keys(context_).length) json.context = { custom: context_ };
  const metadata = JSON.parse(asset.metadata) as Record<string, string>;
  if (Object.keys(metadata).length) json.metadata = metadata;
  if (parts.colors && analysis.colors) {
    json.colors = analysis.colors;
    json.predominant = analysis.predominant;
  }
  if (parts.faces && !raw) json.faces = JSON.parse(asset.faces);
  if (parts.phash && analysis.phash) json.phash = analysis.phash;
  if (parts.image_metadata && analysis.image_metadata) json.image_metadata = analysis.image_metadata;
  if (parts.derived) {
    const derived = (JSON.parse(asset.derived) as DerivedRecord[]).map((d) => {
      const derivedUrl = assetUrl(context, asset, d.transformation, d.format);
      return {
        transformation: d.transformation,
        format: d.format,
        ...(d.width !== undefined ? { width: d.width, height: d.height, bytes: d.bytes } : {}),
        ...(parts.derived === 'derived' ? { id: derivedId(asset, d) } : {}),
        url: derivedUrl,
        secure_url: derivedUrl,
      };
    });
    json[parts.derived] = derived;
  }
  json.original_filename = asset.original_filename;
  json.api_key = context.apiKey;
  return json;
}

/** A derivative's id for `delete_derived_resources`: stable, opaque, tied to its asset. */
export function derivedId(asset: Pick<MediaAsset, 'asset_id'>, derived: Pick<DerivedRecord, 'transformation' | 'format'>): string {
  return `${asset.asset_id}:${Buffer.from(`${derived.transformation}/${derived.format}`).toString('base64url')}`;
}
