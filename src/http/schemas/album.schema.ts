import { Type } from 'typebox';
import { ImageSchema } from './image.schema.ts';
import { NestedFields } from './common.schema.ts';

/** The signed direct-upload form; key order as in the seed. */
export const UploadFormSchema = Type.Object({
  url: Type.String(),
  expires_at: Type.Integer(),
  name: Type.String(),
  id: Type.String(),
  params: Type.Object({
    colors: Type.Integer(),
    faces: Type.Integer(),
    image_metadata: Type.Integer(),
    notification_url: Type.String(),
    phash: Type.Integer(),
    tags: Type.String(),
    timestamp: Type.Integer(),
    type: Type.String(),
    signature: Type.String(),
    api_key: Type.String(),
  }),
  test_url: Type.String(),
});

/** The album JSON of the seed, in its key order. */
export const AlbumSchema = Type.Object({
  id: Type.String(),
  public_id: Type.String(),
  images_count: Type.Integer(),
  views_count: Type.Integer(),
  upload_form: Type.Union([UploadFormSchema, Type.Null()]),
  organization_id: Type.String(),
  thumbnails: Type.Array(ImageSchema),
});

export const AlbumListItemSchema = Type.Object({
  id: Type.String(),
  public_id: Type.String(),
  images_count: Type.Integer(),
  thumbnails: Type.Array(ImageSchema),
});

/** `album[public_id]=x` (form) or `{"album": {"public_id": "x"}}` or a top-level `public_id`. */
export const AlbumBody = Type.Object({
  album: Type.Optional(NestedFields({ public_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) })),
  public_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
