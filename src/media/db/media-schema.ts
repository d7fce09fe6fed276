/**
 * The media host's own tables. They live in the same database as the album API's (one
 * connection pool for the process) but belong to the host alone: the API never reads them,
 * and the host never reads the API's, as with a separate service such as Cloudinary.
 */
import type { Kysely } from 'kysely';

/** One stored asset, keyed as Cloudinary keys them: resource type, delivery type, public id. */
export interface MediaAssetTable {
  resource_type: string;
  type: string;
  public_id: string;
  /** Cloudinary's opaque asset id (32 hex digits), stable across renames. */
  asset_id: string;
  version: number;
  /** Stored format (`jpg`, `png`, ...); for raw files their extension, or ''. */
  format: string;
  storage_key: string;
  bytes: number;
  /** 0 for raw files. */
  width: number;
  height: number;
  /** JSON: [[x, y, w, h], ...] in the upright original's pixels. */
  faces: string;
  etag: string;
  original_filename: string;
  /** JSON: string[]. */
  tags: string;
  /** JSON: the `custom` context, {key: value}. */
  context: string;
  /** JSON: structured metadata, {key: value}. */
  metadata: string;
  /** JSON: what analysis found (colors, predominant, phash, image_metadata, pages). */
  analysis: string;
  /** JSON: [{transformation, format}] made eagerly (at upload or by `explicit`). */
  derived: string;
  created_at: string;
}

/** An upload preset: defaults for the uploads naming it; an unsigned one needs no signature. */
export interface MediaUploadPresetTable {
  name: string;
  unsigned: number;
  /** JSON: upload params as Cloudinary's preset `settings`. */
  settings: string;
  created_at: string;
}

/** A named transformation, what `t_<name>` in a delivery URL stands for. */
export interface MediaNamedTransformationTable {
  name: string;
  transformation: string;
  allowed_for_strict: number;
  created_at: string;
}

/** The host's part of the database. */
export interface MediaDatabase {
  media_assets: MediaAssetTable;
  media_upload_presets: MediaUploadPresetTable;
  media_named_transformations: MediaNamedTransformationTable;
}

export type MediaDb = Kysely<MediaDatabase>;

/**
 * The process's database as the host is handed it: the one Kysely (and pool) of the process,
 * typed by whatever schema its owner knows, which is none of the host's business. The host
 * reads it as a MediaDb; Kysely's types are invariant in the schema, so the host's tables
 * cannot be added to the owner's type without a cast, and `any` here is that one crossing.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type SharedDb = Kysely<any>;
