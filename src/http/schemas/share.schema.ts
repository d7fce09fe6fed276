import { Type } from 'typebox';

/** A share link. */
export const ShareSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String({ description: 'The public page; no token needed' }),
    album_id: Type.String(),
    image_ids: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The selected images; null: the whole album' }),
    expires_at: Type.Union([Type.String(), Type.Null()]),
    expired: Type.Boolean(),
    allow_download: Type.Boolean(),
    password_protected: Type.Boolean(),
    views_count: Type.Integer(),
    created_at: Type.String(),
  },
  { $id: 'Share' },
);
