/**
 * Cheap images and exact before/after pictures for the album-operation tests: images arrive
 * as signed notifications posted straight to the album's notification URL (what the media
 * host would send after an upload), and `snapshot` reads an organization's rows as they are.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { signNotification } from '../../src/media/signing.ts';
import { call, type TestServer } from './server.ts';
import type { AlbumJson } from './uploads.ts';

/** Posts the host's signed upload notification for `publicId` to the album's form; 201 expected. */
export async function notify(
  server: TestServer,
  album: AlbumJson,
  publicId: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const body = JSON.stringify({
    notification_type: 'upload',
    public_id: publicId,
    version: 1,
    width: 10,
    height: 10,
    format: 'jpg',
    bytes: 100,
    type: 'authenticated',
    tags: [album.id],
    ...extra,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(String(album.upload_form.params.notification_url), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Cld-Timestamp': String(timestamp),
      'X-Cld-Signature': signNotification(body, timestamp, server.config.cloudinary.apiSecret),
    },
    body,
  });
  const text = await response.text();
  assert.equal(response.status, 201, text);
}

/** Creates an album (with `publicId` when given) holding `n` images; returns it and the images' ids, newest first. */
export async function albumWithImages(
  server: TestServer,
  token: string,
  n: number,
  publicId = `album-${randomUUID().slice(0, 8)}`,
): Promise<{ album: AlbumJson; imageIds: string[]; publicIds: string[] }> {
  const created = await call<AlbumJson>(server, 'POST', '/api/v1/albums', { token, json: { public_id: publicId } });
  assert.equal(created.status, 200, created.text);
  const album = created.body;
  const publicIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${publicId}/img-${i}-${randomUUID().slice(0, 6)}`;
    await notify(server, album, id);
    publicIds.push(id);
  }
  return { album, imageIds: (await imagesOf(server, token, album.id)).map((i) => i.id), publicIds };
}

export interface ListedImage {
  id: string;
  public_id: string;
  album_id: string;
  tags: Array<{ name: string; labels: Record<string, string> }>;
  original_url: string;
  thumbnails: Record<'original' | 'full' | 'large' | 'mini', string>;
  [key: string]: unknown;
}

/** An album's live images over HTTP (up to 500), newest first. */
export async function imagesOf(server: TestServer, token: string, albumId: string): Promise<ListedImage[]> {
  const res = await call<ListedImage[]>(server, 'GET', `/api/v1/albums/${encodeURIComponent(albumId)}/images?per_page=500`, { token });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/**
 * An album's `images_count` over HTTP; null when the album does not exist. Read from the
 * album list: a GET of a missing id would open it (for a token that may create it).
 */
export async function countOf(server: TestServer, token: string, albumId: string): Promise<number | null> {
  const res = await call<Array<{ id: string; images_count: number }>>(server, 'GET', '/api/v1/albums?per_page=500', { token });
  assert.equal(res.status, 200, res.text);
  return res.body.find((album) => album.id === albumId)?.images_count ?? null;
}

/** Everything an operation could change in an organization, read straight from the database. */
export interface Snapshot {
  albums: Array<{ public_id: string; images_count: number }>;
  images: Array<{ id: string; album: string; public_id: string; trashed: boolean; tags: string; edits: string }>;
  batches: number;
  /** The organization's own tags, `name=labels`. */
  tags: string[];
}

export async function snapshot(server: TestServer, organizationId: string): Promise<Snapshot> {
  const db = server.db.kysely;
  const albums = await db
    .selectFrom('albums')
    .select(['id', 'public_id', 'images_count'])
    .where('organization_id', '=', organizationId)
    .orderBy('public_id')
    .execute();
  const publicIdOf = new Map(albums.map((a) => [a.id, a.public_id]));
  const images = await db
    .selectFrom('images')
    .select(['id', 'album_id', 'public_id', 'deleted_at', 'tags', 'title', 'description', 'metadatas', 'rotation', 'crop_x', 'crop_y', 'crop_w', 'crop_h', 'width', 'height'])
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .execute();
  const batches = await db
    .selectFrom('upload_batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  const tags = await db.selectFrom('organization_tags').select(['name', 'labels']).where('organization_id', '=', organizationId).orderBy('name').execute();
  return {
    albums: albums.map((a) => ({ public_id: a.public_id, images_count: Number(a.images_count) })),
    images: images.map((i) => ({
      id: i.id,
      album: publicIdOf.get(i.album_id) ?? `orphan:${i.album_id}`,
      public_id: i.public_id,
      trashed: i.deleted_at !== null,
      tags: i.tags,
      edits: JSON.stringify([i.title, i.description, i.metadatas, i.rotation, i.crop_x, i.crop_y, i.crop_w, i.crop_h, i.width, i.height]),
    })),
    batches: Number(batches.n),
    tags: tags.map((t) => `${t.name}=${t.labels}`),
  };
}

/** Asserts every album's count equals its live rows, and no row points at a missing album. */
export function assertConsistent(state: Snapshot): void {
  for (const album of state.albums) {
    const live = state.images.filter((i) => i.album === album.public_id && !i.trashed).length;
    assert.equal(album.images_count, live, `album ${album.public_id}: images_count ${album.images_count}, live rows ${live}`);
  }
  const orphans = state.images.filter((i) => i.album.startsWith('orphan:'));
  assert.deepEqual(orphans, [], 'no image without its album');
}

/** Each album's and the organization's counters against COUNT(*) of the rows. */
export async function assertCountersExact(db: Kysely<Database>, organizationId: string, step: string): Promise<void> {
  const albums = await db
    .selectFrom('albums as a')
    .select(['a.public_id', 'a.images_count', 'a.trashed_count'])
    .select((eb) => [
      eb.selectFrom('images as i').select(eb.fn.countAll<number>().as('n')).whereRef('i.album_id', '=', 'a.id').where('i.deleted_at', 'is', null).as('live'),
      eb.selectFrom('images as i').select(eb.fn.countAll<number>().as('n')).whereRef('i.album_id', '=', 'a.id').where('i.deleted_at', 'is not', null).as('trashed'),
    ])
    .where('a.organization_id', '=', organizationId)
    .execute();
  for (const a of albums) {
    assert.equal(Number(a.images_count), Number(a.live), `${step}: ${a.public_id}.images_count`);
    assert.equal(Number(a.trashed_count), Number(a.trashed), `${step}: ${a.public_id}.trashed_count`);
  }
  const counters = await db
    .selectFrom('organization_counters')
    .select((eb) => [eb.fn.sum<number>('albums').as('albums'), eb.fn.sum<number>('trashed_images').as('trashed')])
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  const trashed = await db
    .selectFrom('images')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('deleted_at', 'is not', null)
    .executeTakeFirstOrThrow();
  assert.equal(Number(counters.albums ?? 0), albums.length, `${step}: the organization's albums`);
  assert.equal(Number(counters.trashed ?? 0), Number(trashed.n), `${step}: the organization's trashed images`);
}
