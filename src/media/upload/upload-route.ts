/**
 * `POST /v1_1/<cloud>/<resource_type>/upload`, Cloudinary's upload endpoint: a multipart
 * form with `file` and signed params. Answers Cloudinary's upload response JSON.
 */
import type { FastifyInstance } from 'fastify';
import { AppError, badRequest } from '../../errors/app-error.ts';
import { checkUploadAuth, checkUploadAuthBeforeFile } from './upload-auth.ts';
import type { MediaUploader } from './media-uploader.ts';
import { receiveUpload } from './receive-upload.ts';

const RESOURCE_TYPES = new Set(['image', 'auto']);

export interface UploadRouteDeps {
  credentials: { apiKey: string; apiSecret: string; cloudName: string };
  uploader: MediaUploader;
  tmpDir: string;
  maxUploadBytes: number;
  maxFormFieldBytes: number;
}

export function uploadRoute(app: FastifyInstance, deps: UploadRouteDeps): void {
  app.post<{ Params: { cloud: string; resource_type: string } }>(
    '/v1_1/:cloud/:resource_type/upload',
    { schema: { hide: true } },
    async (request) => {
      if (request.params.cloud !== deps.credentials.cloudName) {
        throw new AppError('not_found', `Invalid cloud_name ${request.params.cloud}`);
      }
      if (!RESOURCE_TYPES.has(request.params.resource_type)) {
        throw badRequest(`Unsupported resource type ${request.params.resource_type}: the embedded host stores images`);
      }
      const upload = await receiveUpload(request, deps.tmpDir, {
        maxBytes: deps.maxUploadBytes,
        maxFieldBytes: deps.maxFormFieldBytes,
        beforeFile: (params) => checkUploadAuthBeforeFile(params, deps.credentials),
      });
      try {
        checkUploadAuth(upload.params, deps.credentials);
        if (!upload.file) throw badRequest('Missing required parameter - file');
        if (upload.file.bytes === 0) throw badRequest('Empty file');
        return await deps.uploader.ingest(upload.params, upload.file);
      } finally {
        await upload.cleanup();
      }
    },
  );
}
