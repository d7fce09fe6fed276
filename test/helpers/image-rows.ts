import { randomUUID } from 'node:crypto';
import { type ImageRow, UNEDITED_IMAGE } from '../../src/repositories/images.repository.ts';

/**
 * The fields of an image row that tests writing rows directly seldom care about: no analysis
 * results, no file name, unedited, untagged. Spread first, then the fields the test sets.
 */
export const PLAIN_IMAGE = {
  color: null,
  phash: null,
  gps_lat: null,
  gps_lng: null,
  taken_at: null,
  filename: null,
  ...UNEDITED_IMAGE,
  tags: '[]',
} as const;

/**
 * A whole image row as a repository returns it (its media report's fields included): a
 * 10×10 JPEG upload made now, with empty analysis. The test names its organization, album
 * and public id, and overrides whatever else it cares about.
 */
export function imageRow(fields: Pick<ImageRow, 'organization_id' | 'album_id' | 'public_id'> & Partial<ImageRow>): ImageRow {
  const now = new Date().toISOString();
  return {
    ...PLAIN_IMAGE,
    id: randomUUID(),
    type: 'upload',
    version: 1,
    format: 'jpg',
    width: 10,
    height: 10,
    original_width: 10,
    original_height: 10,
    size: 100,
    created_at: now,
    updated_at: now,
    infos: '{}',
    exifs: '{}',
    faces: '[]',
    colors: '[]',
    ...fields,
  };
}
