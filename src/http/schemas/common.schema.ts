import { Type } from 'typebox';

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
