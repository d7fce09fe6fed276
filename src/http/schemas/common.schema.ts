import { type TProperties, Type } from 'typebox';

/**
 * A nested object of a request body (`album[...]`, `image[...]`): an unknown key is a 400
 * naming the allowed ones, so a typo (`album[publicid]`) is answered rather than dropped.
 * Top-level bodies stay open: SharinPix's clients send keys of their own beside ours.
 */
export const NestedFields = <T extends TProperties>(properties: T) => Type.Object(properties, { additionalProperties: false });

/** The body of every API error. */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      status: Type.Integer(),
      code: Type.Optional(Type.String()),
      message: Type.String(),
    }),
  },
  { $id: 'Error' },
);

/** Error responses every authenticated route may give. */
export const authErrors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
};

/** `page` and `per_page` query parameters. */
export const PaginationQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 25 })),
});

/** A path segment that is an album's public id. */
export const AlbumIdParam = Type.String({ minLength: 1, maxLength: 255 });
