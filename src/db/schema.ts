/**
 * Table types of the database, shared by SQLite and PostgreSQL. Portable column types only:
 * text ids, integer counters and 0/1 flags, ISO-8601 text timestamps (they sort as text),
 * JSON kept as text.
 */
import type { Generated } from 'kysely';

export interface OrganizationTable {
  id: string;
  name: string;
  webhook_url: string | null;
  /** HMAC key of the organization's webhook signatures; shown once, when set or rotated. */
  webhook_secret: string | null;
  /** Sequence number of the organization's last webhook event (events are numbered 1, 2, ...). */
  webhook_seq: Generated<number>;
  /** JSON: the event names the webhook receives; null for this service's own events. */
  webhook_events: string | null;
  created_at: string;
}

export interface UserTable {
  id: string;
  organization_id: string;
  email: string;
  fullname: string;
  username: string;
  admin: number;
  created_at: string;
}

export interface SecretTable {
  id: string;
  organization_id: string;
  name: string;
  value: string;
  created_at: string;
}

export interface AlbumTable {
  /** Internal key; images point at it so that a rename touches one row. */
  id: string;
  organization_id: string;
  /** The id clients see (`id` and `public_id` in the JSON). */
  public_id: string;
  /** Live images; kept exact in the transactions that change them. */
  images_count: Generated<number>;
  views_count: Generated<number>;
  created_at: string;
  updated_at: string;
  /** Images in the trash; kept exact by the image repository in the same transactions. */
  trashed_count: Generated<number>;
}

/**
 * Counts of an organization that its lists show as totals, so that no list counts rows:
 * the sum over the organization's slots (PostgreSQL spreads concurrent album creations over
 * 16 slots; SQLite, one writer at a time, uses slot 0). Albums are counted by triggers on
 * `albums` (migration 0008), trashed images by the image repository.
 */
export interface OrganizationCounterTable {
  organization_id: string;
  slot: number;
  albums: Generated<number>;
  trashed_images: Generated<number>;
}

export interface ImageTable {
  id: string;
  organization_id: string;
  album_id: string;
  /** The media host's public_id; copies made by duplicate share it (and the stored bytes). */
  public_id: string;
  version: number;
  type: string;
  format: string;
  width: number;
  height: number;
  original_width: number;
  original_height: number;
  size: number;
  color: string | null;
  phash: string | null;
  gps_lat: number | null;
  gps_lng: number | null;
  taken_at: string | null;
  filename: string | null;
  title: string | null;
  description: string | null;
  rotation: number;
  crop_x: number | null;
  crop_y: number | null;
  crop_w: number | null;
  crop_h: number | null;
  /** JSON: client-set metadata. */
  metadatas: string;
  /** JSON: `[{name, labels}]`, the tags clients gave the image (SharinPix's tags). */
  tags: string;
  processed: number;
  processing_error: string | null;
  created_at: string;
  updated_at: string;
  /** Set when the image is in the trash. */
  deleted_at: string | null;
}

/**
 * What the media host reported about one stored original, shared by every image row showing
 * it (an upload and its copies): the wide JSON lives once here, so copying, moving and merging
 * images writes narrow rows.
 */
export interface ImageMediaTable {
  organization_id: string;
  type: string;
  public_id: string;
  version: number;
  /** JSON: the host's upload response. */
  infos: string;
  /** JSON: flat EXIF/IPTC/XMP tags. */
  exifs: string;
  /** JSON: [[x, y, w, h], ...]. */
  faces: string;
  /** JSON: [["#RRGGBB", percent], ...]. */
  colors: string;
}

export interface JobTable {
  id: string;
  name: string;
  payload: string;
  /** A job with the same key is not queued twice. */
  dedup_key: string | null;
  status: 'queued' | 'done' | 'failed';
  attempts: Generated<number>;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

/** A client's "this upload batch is done" (`POST /albums/:id/upload_done`). */
export interface UploadBatchTable {
  id: string;
  organization_id: string;
  album_id: string;
  /** Live images uploaded to the album since the previous batch ended. */
  images_count: number;
  user_id: string | null;
  secret_id: string | null;
  created_at: string;
}

/**
 * The webhook outbox: one row per event, written in the transaction that caused it and
 * delivered in `seq` order, one at a time per organization (see webhooks.service.ts).
 */
export interface WebhookEventTable {
  id: string;
  organization_id: string;
  /** The organization's event number: the order of causing transactions. */
  seq: number;
  event: string;
  /** The exact JSON body, signed at each attempt. */
  body: string;
  /** pending → delivered | dead (gave up) | skipped (no webhook URL any more). */
  status: 'pending' | 'delivered' | 'dead' | 'skipped';
  attempts: number;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

/** One viewer's last counted view of an album's page (dedupes reloads across processes). */
export interface AlbumViewTable {
  /** The album's internal id. */
  album_id: string;
  /** A keyed hash naming the viewer (see AlbumPageService); never a raw IP or cookie. */
  viewer_key: string;
  /** ISO-8601; a new view counts once this is older than the dedupe window. */
  last_counted_at: string;
}

/** A tag every album of the organization may use (created by admins), with its labels. */
export interface OrganizationTagTable {
  organization_id: string;
  name: string;
  /** JSON: `{"en": "car", "fr": "voiture"}`. */
  labels: string;
  created_at: string;
}

/**
 * A public share link to an album's images (`POST /albums/:id/shares`). The id is the
 * unguessable part of its URL; revoking deletes the row, so the link is gone at once.
 */
export interface ShareTable {
  /** 128 random bits, base64url: the link's secret. */
  id: string;
  organization_id: string;
  /** The album's internal id (the link survives a rename). */
  album_id: string;
  /** 1: only the images listed in share_images; 0: every live image of the album. */
  selected: number;
  /** ISO-8601; null: never expires. */
  expires_at: string | null;
  allow_download: number;
  /** `scrypt:<salt>:<hash>` (base64url), or null when the link needs no password. */
  password_hash: string | null;
  views_count: Generated<number>;
  user_id: string | null;
  secret_id: string | null;
  created_at: string;
}

/** The images a share with `selected = 1` shows (those still live in its album). */
export interface ShareImageTable {
  share_id: string;
  image_id: string;
}

export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  secrets: SecretTable;
  albums: AlbumTable;
  organization_counters: OrganizationCounterTable;
  images: ImageTable;
  image_media: ImageMediaTable;
  jobs: JobTable;
  album_views: AlbumViewTable;
  upload_batches: UploadBatchTable;
  webhook_events: WebhookEventTable;
  organization_tags: OrganizationTagTable;
  shares: ShareTable;
  share_images: ShareImageTable;
}
