/**
 * The bodies of SharinPix's own webhook events, in the shapes of its documentation
 * (SharinPix/docs, cookbook `sharinpix-webhook-payload`), built from the API's JSON. They are
 * sent bare, without the envelope of this service's own events: their `id` is the image's.
 */
import { createHash } from 'node:crypto';
import type { TagLabels } from '../auth/abilities.ts';
import type { ImageJson } from './image-presenter.ts';

/** SharinPix's event names, as its clients' events call them. */
export const SHARINPIX_EVENTS = ['image-new', 'image-processed', 'image-deleted', 'tag-image-new', 'tag-image-deleted', 'upload-done'] as const;
export type SharinPixEventName = (typeof SHARINPIX_EVENTS)[number];

/** SharinPix splits an upload batch into events of at most this many images. */
export const UPLOAD_DONE_EVENT_IMAGES = 50;

/** The user who acted, as SharinPix's tag events name them (null for a secret's server). */
export interface ActingUser {
  public_id: string;
  fullname: string;
  email: string;
  username: string;
}

/** The image as SharinPix's image events show it. */
export function imagePayload(image: ImageJson): Record<string, unknown> {
  return {
    id: image.id,
    public_id: image.public_id,
    metadatas: image.metadatas,
    width: image.width,
    height: image.height,
    rotation: image.rotation,
    gps: image.gps,
    size: image.size,
    format: image.format,
    original_url: image.original_url,
    filename: image.filename,
    created_at: image.created_at,
    taken_at: image.taken_at,
    infos: { format: image.format },
    // SharinPix's multi-page documents; a photo is one page, in no group.
    page: 1,
    group_id: null,
    exifs: { DateTimeOriginal: image.taken_at, ...(image.exifs as Record<string, unknown>) },
    processed: image.processed,
    processing_error: image.processing_error,
    album_id: image.album_id,
    thumbnails: { full: image.thumbnails.full, large: image.thumbnails.large, mini: image.thumbnails.mini },
  };
}

/** A tag's stable id: the same name in the same organization is always the same tag. */
export function tagId(organizationId: string, name: string): string {
  const hex = createHash('sha256').update(`${organizationId}\0${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `tag-image-new` / `tag-image-deleted`: the tagging, its tag (labels as a JSON string), the image and who acted. */
export function tagPayload(
  organizationId: string,
  tag: { name: string; labels: TagLabels },
  image: ImageJson,
  user: ActingUser | null,
): Record<string, unknown> {
  return {
    id: tagId(image.id, tag.name),
    tag: { id: tagId(organizationId, tag.name), name: tag.name, label: JSON.stringify(tag.labels) },
    image: imagePayload(image),
    user: user && { ...user, sfid: null },
  };
}

/** `upload-done` events of a batch: at most UPLOAD_DONE_EVENT_IMAGES image ids each (one event for an empty batch). */
export function uploadDonePayloads(albumId: string, imageIds: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i === 0 || i < imageIds.length; i += UPLOAD_DONE_EVENT_IMAGES) {
    const ids = imageIds.slice(i, i + UPLOAD_DONE_EVENT_IMAGES);
    out.push({ count: ids.length, platform: 'web', album_id: albumId, image_ids: ids });
  }
  return out;
}
