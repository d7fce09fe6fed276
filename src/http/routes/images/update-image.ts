import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { authErrors, NestedFields } from '../../schemas/common.schema.ts';
import { JsonObjectField, jsonObjectOf } from '../../schemas/json-object.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** A form sends numbers as text: `image[rotation]=90`, `image[crop][x]=10`. */
const Int = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d{1,9}$' })]);
const Text = Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()]);
const Crop = NestedFields({ x: Int, y: Int, width: Int, height: Int });

const ImageFields = NestedFields({
  title: Type.Optional(Text),
  description: Type.Optional(Text),
  metadatas: Type.Optional(JsonObjectField),
  rotation: Type.Optional(Int),
  // null, or '' from a form, removes the crop.
  crop: Type.Optional(Type.Union([Crop, Type.Null(), Type.Literal('')])),
});

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
        metadatas: metadatas === undefined ? undefined : jsonObjectOf(metadatas, 'image[metadatas]'),
        rotation: rotation === undefined ? undefined : Number(rotation),
        crop:
          crop === undefined ? undefined : crop === null || crop === '' ? null : { x: Number(crop.x), y: Number(crop.y), width: Number(crop.width), height: Number(crop.height) },
      });
    },
  );
}
