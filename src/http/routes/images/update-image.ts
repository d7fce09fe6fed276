import { Type } from 'typebox';
import { badRequest } from '../../../errors/app-error.ts';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** A form sends numbers as text: `image[rotation]=90`, `image[crop][x]=10`. */
const Int = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d{1,9}$' })]);
const Text = Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()]);
const Crop = Type.Object({ x: Int, y: Int, width: Int, height: Int });

const ImageFields = Type.Object({
  title: Type.Optional(Text),
  description: Type.Optional(Text),
  metadatas: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ maxLength: 65_536 })])),
  rotation: Type.Optional(Int),
  // null, or '' from a form, removes the crop.
  crop: Type.Optional(Type.Union([Crop, Type.Null(), Type.Literal('')])),
});

/** Metadatas as an object (a form may send their JSON text). */
function metadatasOf(value: Record<string, unknown> | string | undefined): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw badRequest('image[metadatas] must be a JSON object');
}

/** `image[title]=…` (form) or `{"image": {...}}` (JSON); each field asks its own ability. */
export function updateImage(app: Api): void {
  app.put(
    '/images/:id',
    {
      schema: {
        operationId: 'images.update',
        tags: ['images'],
        summary:
          'Edit an image: title, description and metadatas (image_caption), rotation 0/90/180/270 (image_rotate), crop {x, y, width, height} of the upright original (image_crop)',
        params: Type.Object({ id: ImageId }),
        body: Type.Object({ image: ImageFields }),
        response: { 200: ImageSchema, ...authErrors },
      },
    },
    async (request) => {
      const { title, description, metadatas, rotation, crop } = request.body.image;
      return app.services.imageEditor.update(actorOf(request), request.params.id, {
        title,
        description,
        metadatas: metadatasOf(metadatas),
        rotation: rotation === undefined ? undefined : Number(rotation),
        crop:
          crop === undefined ? undefined : crop === null || crop === '' ? null : { x: Number(crop.x), y: Number(crop.y), width: Number(crop.width), height: Number(crop.height) },
      });
    },
  );
}
