/** A fixed JSON shaped like an album without its upload form: the baselines' answer, of comparable size. */
export const ALBUM_LIKE_BODY = JSON.stringify({
  id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  public_id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  images_count: 0,
  views_count: 0,
  upload_form: null,
  organization_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  thumbnails: [],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  note: 'bare node:http baseline',
});
