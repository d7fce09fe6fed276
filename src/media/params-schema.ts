/**
 * The params of the media host's calls, as TypeBox schemas: `/openapi.json` documents each
 * route from them, and the handlers check against the same schema what could be of the wrong
 * shape (a query or a urlencoded or JSON body, read by `paramsOf`); a multipart form's fields
 * are text by construction.
 *
 * Fastify cannot validate them itself: upload and management calls arrive as multipart forms
 * that the handler streams after Fastify's validation stage (the file must not be held), and
 * the Admin API reads query and body together. So these routes switch Fastify's validation
 * off (`checkedByHandler`). Cloudinary accepts params it does not know, so other keys pass.
 */
import { type TProperties, type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { badRequest } from './media-error.ts';

/** An optional text param. */
export const text = (description: string) => Type.Optional(Type.String({ description }));

/** An optional param the SDK may send once or as a list (`public_ids[]`). */
export const list = (description: string) =>
  Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description }));

/** The params of one call: the documented ones, typed; any other key passes, as at Cloudinary. */
export function paramsSchema(properties: TProperties, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
}

/** The `api_key`, `timestamp` and `signature` of every signed call. */
export const SIGNED = {
  api_key: text('The account\'s API key'),
  timestamp: text('Unix time of the signature; refused an hour after'),
  signature: text('SHA-1 (or the account\'s SHA-256) hex of the sorted params and the API secret'),
};

/** Route params of `/v1_1/:cloud/:resource_type/<action>`. */
export const ResourceRouteParams = Type.Object({
  cloud: Type.String({ description: 'The cloud name of the account' }),
  resource_type: Type.String({ description: '`image` or `raw` (uploads also take `auto`)' }),
});

/** Route params of the Admin API's `/v1_1/:cloud/...` calls. */
export const CloudRouteParams = Type.Object({ cloud: Type.String({ description: 'The cloud name of the account' }) });

/** The route options of a call whose params its handler checks (see above). */
export const checkedByHandler = { validatorCompiler: () => () => true };

/**
 * Query or body params by name, `[]` dropped from keys: lists stay lists (of text), other
 * scalars become text as a form would send them, and an object (`max_results[a]=1` in a
 * qs-parsed body, a JSON object) stays one, for checkParams to refuse where text is expected.
 */
export function paramsOf(...sources: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    if (!source || typeof source !== 'object') continue;
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      out[key.replace(/\[\]$/, '')] = Array.isArray(value)
        ? value.map(String)
        : value === undefined || (value !== null && typeof value === 'object')
          ? value
          : String(value);
    }
  }
  return out;
}

const checkers = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/** Throws Cloudinary's 400 naming the first param that does not fit `schema`. */
export function checkParams(schema: TSchema, params: unknown): void {
  let checker = checkers.get(schema);
  if (!checker) checkers.set(schema, (checker = Compile(schema)));
  if (checker.Check(params)) return;
  const [first] = checker.Errors(params);
  const name = first?.instancePath.replace(/^\//, '').split('/')[0] || 'params';
  throw badRequest(`Invalid parameter ${name}: ${first?.message ?? 'not accepted'}`);
}
