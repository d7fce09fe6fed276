import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Free = Type.Unknown();

/** The image JSON; field names as the original service used them. */
export const ImageSchema = Type.Object({
  id: Type.String(),
  public_id: Type.String(),
  album_id: Type.String(),
  infos: Free,
  exifs: Free,
  gps: Nullable(Type.Array(Type.Number())),
  taken_at: Nullable(Type.String()),
  width: Type.Integer(),
  height: Type.Integer(),
  original_width: Type.Integer(),
  original_height: Type.Integer(),
  format: Type.String(),
  size: Type.Integer(),
  color: Nullable(Type.String()),
  colors: Free,
  faces: Free,
  phash: Nullable(Type.String()),
  tags: Type.Array(Type.Object({ name: Type.String(), labels: Type.Record(Type.String(), Type.String()) })),
  filename: Nullable(Type.String()),
  title: Nullable(Type.String()),
  description: Nullable(Type.String()),
  rotation: Type.Integer(),
  crop_x: Nullable(Type.Integer()),
  crop_y: Nullable(Type.Integer()),
  crop_w: Nullable(Type.Integer()),
  crop_h: Nullable(Type.Integer()),
  metadatas: Free,
  original_url: Type.String(),
  thumbnails: Type.Object({
    original: Type.String(),
    full: Type.String(),
    large: Type.String(),
    mini: Type.String(),
  }),
  processed: Type.Boolean(),
  processing_error: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
