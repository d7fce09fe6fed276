/**
 * Many images without uploading them: files written straight into a service's local media
 * store, at the key the embedded host uses, and their rows inserted straight into its
 * database, as `POST /api/v1/cloudinary` would have. Thousands take seconds instead of the
 * minutes real uploads (analysis included) would.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Insertable, sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import type { ImageMediaTable, ImageTable } from '../../src/db/schema.ts';
import { chunked, MAX_PARAMETERS } from '../../src/repositories/chunks.ts';
import { UNEDITED_IMAGE } from '../../src/repositories/images.repository.ts';
import { StoredMedia } from '../../src/services/stored-media.ts';

export interface StoredImage {
  id: string;
  publicId: string;
  /** Where the original lies on disk. */
  path: string;
  filename: string;
  size: number;
}

/**
 * Puts `count` images of random bytes (`size(i)` each; photos do not compress either) in the
 * album `albumPublicId` of the organization, named `name(i)`, and raises its images_count.
 */
export async function storeImages(
  db: Db,
  mediaRoot: string,
  options: { organizationId: string; albumPublicId: string; count: number; size: (i: number) => number; name: (i: number) => string },
): Promise<StoredImage[]> {
  const album = await db.kysely
    .selectFrom('albums')
    .select('id')
    .where('organization_id', '=', options.organizationId)
    .where('public_id', '=', options.albumPublicId)
    .executeTakeFirstOrThrow();
  const start = Date.parse('2024-05-01T08:00:00Z');
  const stored: StoredImage[] = [];
  const rows: Array<Insertable<ImageTable>> = [];
  const media: Array<Insertable<ImageMediaTable>> = [];
  for (let i = 0; i < options.count; i++) {
    const publicId = `bulk/${randomUUID()}`;
    const ref = { type: 'authenticated', public_id: publicId, version: 1, format: 'jpg' };
    const path = join(mediaRoot, StoredMedia.originalKey(ref));
    const data = randomBytes(options.size(i));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    const at = new Date(start + i * 1000).toISOString();
    const id = randomUUID();
    stored.push({ id, publicId, path, filename: options.name(i), size: data.length });
    rows.push({
      ...UNEDITED_IMAGE,
      ...ref,
      id,
      organization_id: options.organizationId,
      album_id: album.id,
      width: 100,
      height: 100,
      original_width: 100,
      original_height: 100,
      size: data.length,
      color: null,
      phash: null,
      gps_lat: null,
      gps_lng: null,
      taken_at: null,
      filename: options.name(i),
      tags: '[]',
      created_at: at,
      updated_at: at,
    });
    media.push({ organization_id: options.organizationId, type: ref.type, public_id: publicId, version: ref.version, infos: '{}', exifs: '{}', faces: '[]', colors: '[]' });
  }
  await db.kysely.transaction().execute(async (trx) => {
    for (const piece of chunked(media, Math.floor(MAX_PARAMETERS / 8))) await trx.insertInto('image_media').values(piece).execute();
    for (const piece of chunked(rows, Math.floor(MAX_PARAMETERS / Object.keys(rows[0]!).length))) {
      await trx.insertInto('images').values(piece).execute();
    }
    await trx
      .updateTable('albums')
      .set({ images_count: sql`images_count + ${options.count}` })
      .where('id', '=', album.id)
      .execute();
  });
  return stored;
}
