/**
 * What the Upload API's management calls (destroy, rename, explicit, tags, context,
 * delete_by_token) share: their dependencies, how their params are read, and the signature
 * check every one of them but delete_by_token needs.
 */
import type { FastifyRequest } from 'fastify';
import type { TObject } from 'typebox';
import type { AssetJsonContext } from '../asset-json.ts';
import type { AssetRemoval } from '../asset-removal.ts';
import type { EagerMaker } from '../eager.ts';
import type { MediaAssetsRepository } from '../media-assets.repository.ts';
import { MediaError } from '../media-error.ts';
import { checkedByHandler, checkParams, paramsOf, ResourceRouteParams } from '../params-schema.ts';
import { checkSignedBeforeFile, checkUploadAuth } from '../upload/upload-auth.ts';
import { receiveUpload } from '../upload/receive-upload.ts';

export interface ManageDeps {
  credentials: { apiKey: string; apiSecret: string; cloudName: string };
  assets: MediaAssetsRepository;
  removal: AssetRemoval;
  eager: EagerMaker;
  json: AssetJsonContext;
  tmpDir: string;
  maxUploadBytes: number;
  maxFormFieldBytes: number;
}

/** Route params of `/v1_1/:cloud/:resource_type/<action>`. */
export interface ResourceParams {
  cloud: string;
  resource_type: string;
}

const RESOURCE_TYPES = new Set(['image', 'raw']);

/**
 * The request's params as strings, from the SDK's multipart form (any file part is dropped),
 * a urlencoded form or JSON (checked against `fields`); lists are joined with commas, as
 * Cloudinary reads `public_ids[]`.
 */
export async function readParams(request: FastifyRequest, deps: ManageDeps, fields: TObject): Promise<Record<string, string>> {
  if (request.isMultipart()) {
    const upload = await receiveUpload(request, deps.tmpDir, {
      maxBytes: deps.maxUploadBytes,
      maxFieldBytes: deps.maxFormFieldBytes,
      // Management calls take no upload preset: only a signed set lets a file part be read.
      beforeFile: async (params) => checkSignedBeforeFile(params, deps.credentials),
    });
    await upload.cleanup();
    return upload.params;
  }
  const params = paramsOf(request.body);
  checkParams(fields, params);
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : String(value)]),
  );
}

/** Reads and checks a signed management call; returns its params and resource type. */
export async function signedCall(
  request: FastifyRequest<{ Params: ResourceParams }>,
  deps: ManageDeps,
  fields: TObject,
): Promise<{ params: Record<string, string>; resourceType: string }> {
  if (request.params.cloud !== deps.credentials.cloudName) {
    throw new MediaError('not_found', `Invalid cloud_name ${request.params.cloud}`);
  }
  if (!RESOURCE_TYPES.has(request.params.resource_type)) {
    throw new MediaError('bad_request', `Unsupported resource type ${request.params.resource_type}`);
  }
  const params = await readParams(request, deps, fields);
  checkUploadAuth(params, deps.credentials);
  return { params, resourceType: request.params.resource_type };
}

/** `public_ids` as a list (the SDK sends `public_ids[]`, joined by readParams). */
export function publicIdList(value: string | undefined): string[] {
  if (!value) throw new MediaError('bad_request', 'Missing required parameter - public_ids');
  return value.split(',').filter(Boolean);
}

/** A management call's route options: documented from `fields`, which readParams checks. */
export const manageRoute = (operationId: string, summary: string, fields: TObject, params: TObject = ResourceRouteParams) => ({
  schema: {
    operationId,
    summary,
    description: 'Cloudinary Upload API: params signed with the api secret (api_key, timestamp, signature).',
    tags: ['media host'],
    security: [],
    consumes: ['multipart/form-data', 'application/x-www-form-urlencoded', 'application/json'],
    params,
    body: fields,
  },
  ...checkedByHandler,
});
