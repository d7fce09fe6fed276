import { type TProperties, type TSchema, Type } from 'typebox';

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

/**
 * `page` and `per_page` query parameters (SharinPix's clients), and `cursor`, the keyset
 * page: the same cost at any depth, and stable while rows are added or removed before it.
 */
export const PaginationQuery = Type.Object({
  page: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'Page number, from 1 (the default); not with `cursor`. A deep page skips the rows before it: up to half the list (a page past the middle is read from its other end); `cursor` skips none.',
    }),
  ),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 25 })),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'Opaque: the `X-Next-Cursor` (or `Link` rel="next") of the previous page. The next page starts right after that page\'s last row, in the same order and filter; not with `page`.',
    }),
  ),
});

/** The headers of a paginated list's response (see src/http/routes/pagination.ts). */
const PAGINATION_HEADERS = {
  'X-Total-Count': { type: 'integer', description: 'How many rows the whole list has (from maintained counters; counted for a tag filter or a token limited to named albums).' },
  'X-Per-Page': { type: 'integer', description: 'The page size used.' },
  'X-Page': { type: 'integer', description: 'The page number, when asked by `page` (absent with `cursor`).' },
  'X-Next-Cursor': { type: 'string', description: 'The `cursor` of the next page; absent on the last page.' },
  Link: { type: 'string', description: '`<this path?...&cursor=...>; rel="next"`: the next page (RFC 8288); absent on the last page.' },
} as const;

/** A paginated list's 200 response: an array of `item`, with the pagination headers documented. */
export const PaginatedList = <T extends TSchema>(item: T) => Type.Array(item, { headers: PAGINATION_HEADERS });

/** A path segment that is an album's public id. */
export const AlbumIdParam = Type.String({ minLength: 1, maxLength: 255 });
