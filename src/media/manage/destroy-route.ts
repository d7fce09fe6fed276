/**
 * `POST /v1_1/<cloud>/<resource_type>/destroy` (the SDK's `uploader.destroy`): removes an
 * asset, its original and every derivative. `{"result": "ok"}`, or `"not found"` as on
 * Cloudinary (still a 200). `invalidate` is accepted: nothing here outlives the removal.
 */
import type { FastifyInstance } from 'fastify';
import { publicIdParam } from '../upload/upload-options.ts';
import { manageRoute, type ManageDeps, type ResourceParams, signedCall } from './manage-deps.ts';
import { paramsSchema, SIGNED, text } from '../params-schema.ts';

const FIELDS = paramsSchema({
  public_id: text('The asset to delete'),
  type: text('Its delivery type: upload (default), authenticated or private'),
  invalidate: text('Accepted; nothing here outlives the removal'),
  ...SIGNED,
});

export function destroyRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: ResourceParams }>(
    '/v1_1/:cloud/:resource_type/destroy',
    manageRoute('media.destroy', 'Delete an asset (signed)', FIELDS),
    async (request) => {
      const { params, resourceType } = await signedCall(request, deps, FIELDS);
      const key = { resourceType, type: params.type ?? 'upload', publicId: publicIdParam(params.public_id) };
      return { result: (await deps.removal.destroy(key)) ? 'ok' : 'not found' };
    },
  );
}
