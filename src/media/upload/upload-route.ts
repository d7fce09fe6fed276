/**
 * `POST /v1_1/<cloud>/<resource_type>/upload`, Cloudinary's upload endpoint: a multipart
 * form with `file` and signed params (or an unsigned upload preset), whole or in chunks
 * (`X-Unique-Upload-Id` + `Content-Range`, see chunked-upload.ts). Answers Cloudinary's
 * upload response JSON.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { badRequest, MediaError } from '../media-error.ts';
import { checkedByHandler, paramsSchema, ResourceRouteParams, SIGNED, text } from '../params-schema.ts';
import type { UploadPreset, UploadPresets } from '../upload-presets.ts';
import type { ChunkedUploads } from './chunked-upload.ts';
import { parseContentRange } from './chunked-upload.ts';
import { checkUploadAuth, checkUploadAuthBeforeFile, type PresetLookup, requireUnsignedPreset } from './upload-auth.ts';
import type { MediaUploader, UploadResourceType } from './media-uploader.ts';
import { receiveUpload } from './receive-upload.ts';
import type { CloudinaryCredentials } from '../credentials.ts';

const RESOURCE_TYPES = new Set(['image', 'raw', 'auto']);

/** What an unsigned preset lets the uploader choose; the preset decides everything else. */
const UNSIGNED_PARAMS = new Set([
  'upload_preset', 'public_id', 'folder', 'asset_folder', 'tags', 'context', 'metadata', 'filename_override', 'callback', 'api_key',
]);

/** The upload form's params, as /docs shows them (a multipart form's fields are text by construction). */
const UPLOAD = paramsSchema({
  file: Type.Optional(Type.String({ format: 'binary', description: 'The file: a file part, or a data URI in a text field' })),
  ...SIGNED,
  upload_preset: text('A preset\'s settings apply; an unsigned preset needs no signature'),
  public_id: text('The asset\'s public id (random when absent)'),
  folder: text('Prefixes the public id'),
  public_id_prefix: text('Prefixes the public id'),
  use_filename: text('true: the public id from the file name'),
  unique_filename: text('With use_filename, false: no random suffix'),
  filename_override: text('The file name to use instead of the uploaded one'),
  overwrite: text('false: an asset already at the public id is kept, and the answer says existing: true'),
  invalidate: text('Accepted; an overwrite always drops the old derivatives'),
  type: text('Delivery type: upload (default), authenticated or private'),
  tags: text('Comma-separated tags'),
  context: text('`key=value|key2=value2`'),
  metadata: text('`key=value|key2=value2`'),
  eager: text('Derivatives made at upload, `|`-separated transformations'),
  transformation: text('Applied to what is stored'),
  colors: text('true: analyse the predominant colours'),
  faces: text('true: detect faces'),
  phash: text('true: the perceptual hash'),
  image_metadata: text('true: the embedded metadata'),
  notification_url: text('Where the signed upload notification is posted'),
  return_delete_token: text('true: answer a delete_token, valid ten minutes'),
});

export interface UploadRouteDeps {
  credentials: CloudinaryCredentials;
  uploader: MediaUploader;
  presets: UploadPresets;
  chunks: ChunkedUploads;
  tmpDir: string;
  maxUploadBytes: number;
  maxFormFieldBytes: number;
}

/**
 * The params an upload runs with: the request's, over its preset's settings. A request
 * without a signature passes only through an unsigned preset, and may then set only
 * UNSIGNED_PARAMS.
 */
async function authorizedParams(
  params: Record<string, string>,
  deps: UploadRouteDeps,
  presets: PresetLookup<UploadPreset>,
): Promise<Record<string, string>> {
  if (params.upload_preset && !params.signature) {
    const preset = await requireUnsignedPreset(params.upload_preset, presets);
    const extra = Object.keys(params).find((key) => !UNSIGNED_PARAMS.has(key));
    if (extra) throw badRequest(`${extra} parameter is not allowed when using unsigned upload. Only ${[...UNSIGNED_PARAMS].join(', ')} are allowed`);
    return { ...preset.settings, ...params };
  }
  const preset = params.upload_preset ? await presets(params.upload_preset) : null;
  if (params.upload_preset && !preset) throw badRequest(`Upload preset not found: ${params.upload_preset}`);
  checkUploadAuth(params, deps.credentials);
  return { ...(preset?.settings ?? {}), ...params };
}

export function uploadRoute(app: FastifyInstance, deps: UploadRouteDeps): void {
  app.post<{ Params: { cloud: string; resource_type: string } }>(
    '/v1_1/:cloud/:resource_type/upload',
    {
      schema: {
        operationId: 'media.upload',
        summary: "Cloudinary's upload: a multipart form with `file` and signed params, whole or in chunks",
        tags: ['media host'],
        security: [],
        consumes: ['multipart/form-data'],
        params: ResourceRouteParams,
        body: UPLOAD,
        headers: Type.Object({
          'x-unique-upload-id': Type.Optional(Type.String({ description: 'A chunked upload\'s id, the same for each of its chunks' })),
          'content-range': Type.Optional(Type.String({ description: 'A chunk\'s place: `bytes <first>-<last>/<total>`' })),
        }),
      },
      ...checkedByHandler,
    },
    async (request) => {
      if (request.params.cloud !== deps.credentials.cloudName) {
        throw new MediaError('not_found', `Invalid cloud_name ${request.params.cloud}`);
      }
      const resourceType = request.params.resource_type;
      if (!RESOURCE_TYPES.has(resourceType)) {
        throw badRequest(`Unsupported resource type ${resourceType}: the embedded host stores images and raw files`);
      }
      // The check before the file and the one after ask for the same preset: it is read once.
      const read = new Map<string, Promise<UploadPreset | null>>();
      const presets: PresetLookup<UploadPreset> = (name) => read.get(name) ?? read.set(name, deps.presets.get(name)).get(name)!;
      const upload = await receiveUpload(request, deps.tmpDir, {
        maxBytes: deps.maxUploadBytes,
        maxFieldBytes: deps.maxFormFieldBytes,
        beforeFile: (params) => checkUploadAuthBeforeFile(params, deps.credentials, presets),
      });
      try {
        const params = await authorizedParams(upload.params, deps, presets);
        if (!upload.file) throw badRequest('Missing required parameter - file');
        if (upload.file.bytes === 0) throw badRequest('Empty file');
        const rangeHeader = request.headers['content-range'];
        if (typeof rangeHeader !== 'string') return await deps.uploader.ingest(params, upload.file, resourceType as UploadResourceType);

        const uploadId = request.headers['x-unique-upload-id'];
        if (typeof uploadId !== 'string') throw badRequest('A chunk (Content-Range) needs an X-Unique-Upload-Id header');
        const outcome = await deps.chunks.add(uploadId, parseContentRange(rangeHeader), upload.file, upload.file.filename);
        if (!outcome.complete) return { done: false, upload_id: uploadId, bytes_received: outcome.received };
        try {
          return await deps.uploader.ingest(params, outcome.file, resourceType as UploadResourceType);
        } finally {
          await outcome.done();
        }
      } finally {
        await upload.cleanup();
      }
    },
  );
}
