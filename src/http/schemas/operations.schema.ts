import { Type, type Static } from 'typebox';
import { ImageSchema } from './image.schema.ts';

/** A yes/no parameter as forms and JSON send it: true/false, "true"/"false", "1"/"0". */
export const Flag = Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]);

/** True when a Flag says yes. */
export const isSet = (flag: Static<typeof Flag> | undefined): boolean => flag === true || flag === '1' || flag === 'true';

/** An image id (our ids are UUIDs, but any short string is looked up, and unknown is 404). */
export const ImageId = Type.String({ minLength: 1, maxLength: 255 });

/** An image in the trash. */
export const TrashedImageSchema = Type.Object({
  ...ImageSchema.properties,
  deleted_at: Type.String(),
  purge_at: Type.String(),
});
