/**
 * `POST /v1_1/<cloud>/delete_by_token` (the SDK's `uploader.destroy_by_token`... named
 * `delete_by_token` on the wire): removes the asset an upload's `delete_token` names, without
 * a signature, while the token is valid (ten minutes) and only the version it was given for.
 */
import type { FastifyInstance } from 'fastify';
import { verifyDeleteToken } from '../delete-token.ts';
import { badRequest, MediaError, notFound } from '../media-error.ts';
import { type ManageDeps, manageRoute, readParams } from './manage-deps.ts';
import { CloudRouteParams, paramsSchema, text } from '../params-schema.ts';

const FIELDS = paramsSchema({ token: text('The delete_token an upload with return_delete_token answered (valid ten minutes)') });

export function deleteByTokenRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: { cloud: string } }>(
    '/v1_1/:cloud/delete_by_token',
    manageRoute('media.deleteByToken', 'Delete an asset with the delete token its upload returned', FIELDS, CloudRouteParams),
    async (request) => {
      if (request.params.cloud !== deps.credentials.cloudName) {
        throw new MediaError('not_found', `Invalid cloud_name ${request.params.cloud}`);
      }
      const { token } = await readParams(request, deps, FIELDS);
      if (!token) throw badRequest('Missing required parameter - token');
      const claims = verifyDeleteToken(token, deps.credentials.apiSecret);
      if (!claims) throw badRequest('Stale or invalid token');
      const asset = await deps.assets.find(claims);
      if (!asset || asset.version !== claims.version) throw notFound('Resource not found');
      await deps.removal.destroy(claims);
      return { result: 'ok' };
    },
  );
}
