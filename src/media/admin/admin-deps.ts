/**
 * The Admin API's shared parts: HTTP Basic auth with `api_key:api_secret` (what the SDK
 * sends), its dependencies, and how its params are read. The SDK sends GET params in the
 * query and the others as a urlencoded body, with list keys as `public_ids[]`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type TObject, type TProperties, Type } from 'typebox';
import { safeEqual } from '../../crypto/safe-equal.ts';
import type { AssetJsonContext } from '../asset-json.ts';
import type { AssetRemoval } from '../asset-removal.ts';
import type { DerivedCache } from '../delivery/derived-cache.ts';
import type { MediaAssetsRepository } from '../media-assets.repository.ts';
import { MediaError, unauthorized } from '../media-error.ts';
import type { NamedTransformations } from '../named-transformations.ts';
import { checkedByHandler, checkParams, CloudRouteParams, paramsOf } from '../params-schema.ts';
import type { UploadPresets } from '../upload-presets.ts';
import type { CloudinaryCredentials } from '../credentials.ts';

export interface AdminDeps {
  credentials: CloudinaryCredentials;
  assets: MediaAssetsRepository;
  removal: AssetRemoval;
  cache: DerivedCache;
  named: NamedTransformations;
  presets: UploadPresets;
  json: AssetJsonContext;
}

/** A param as Fastify parsed it: one string, or several for repeated keys. */
export type AdminParam = string | string[] | undefined;

/** Query and body params together (see paramsOf), checked against `fields`. */
export function adminParams(request: FastifyRequest, fields: TObject): Record<string, AdminParam> {
  const params = paramsOf(request.query, request.body);
  checkParams(fields, params);
  return params as Record<string, AdminParam>;
}

export const one = (value: AdminParam): string | undefined => (Array.isArray(value) ? value[0] : value);
export const many = (value: AdminParam): string[] => (value === undefined ? [] : Array.isArray(value) ? value : value.split(','));
export const flag = (value: AdminParam): boolean => one(value) === 'true' || one(value) === '1';

/** Registers the Basic-auth check on every route of `app` (a scope holding only Admin API routes). */
export function adminAuth(app: FastifyInstance, credentials: AdminDeps['credentials']): void {
  app.addHook('onRequest', async (request: FastifyRequest<{ Params: { cloud?: string } }>) => {
    if (request.params.cloud !== credentials.cloudName) throw new MediaError('not_found', `Invalid cloud_name ${request.params.cloud}`);
    const header = request.headers.authorization ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('Must supply api_key');
    const decoded = Buffer.from(match[1], 'base64').toString();
    const colon = decoded.indexOf(':');
    const key = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    if (key !== credentials.apiKey) throw unauthorized(`Unknown API key ${key}`);
    if (!safeEqual(secret, credentials.apiSecret)) throw unauthorized('Invalid Signature');
  });
}

/** Route params beside the cloud name, e.g. `{resource_type: '...'}`. */
export const routeParams = (properties: TProperties) => Type.Object({ ...CloudRouteParams.properties, ...properties });

/**
 * An Admin API operation's route options: documented from its route params and its `fields`
 * (the query of a GET, the body of the others), which adminParams checks. The API's token
 * scheme does not apply (`security: []`); Basic auth is stated in the description, as the
 * document's security schemes are the API's.
 */
export function adminRoute(
  operationId: string,
  summary: string,
  options: { params?: TObject; fields?: TObject; in?: 'query' | 'body' } = {},
) {
  const { params = CloudRouteParams, fields, in: where = 'query' } = options;
  return {
    schema: {
      operationId,
      summary,
      description: 'Cloudinary Admin API. Authorization: HTTP Basic with api_key:api_secret.',
      tags: ['media host admin'],
      security: [],
      params,
      ...(fields ? (where === 'query' ? { querystring: fields } : { body: fields }) : {}),
    },
    ...checkedByHandler,
  };
}
