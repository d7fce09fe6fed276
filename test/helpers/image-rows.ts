import { UNEDITED_IMAGE } from '../../src/repositories/images.repository.ts';

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
