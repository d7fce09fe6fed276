/**
 * `POST /v1_1/<cloud>/<resource_type>/context` (the SDK's `add_context`,
 * `remove_all_context`): `command` add | remove_all, `context` (`k=v|k2=v2`), `public_ids`.
 * Answers the public ids that exist.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../media-error.ts';
import { parseKeyValues } from '../upload/upload-options.ts';
import { manageSchema, type ManageDeps, publicIdList, type ResourceParams, signedCall } from './manage-deps.ts';

export function contextRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: ResourceParams }>(
    '/v1_1/:cloud/:resource_type/context',
    { schema: manageSchema('media.context', 'Add or remove the context of assets (signed)') },
    async (request) => {
      const { params, resourceType } = await signedCall(request, deps);
      if (params.command !== 'add' && params.command !== 'remove_all') {
        throw badRequest(`Invalid command ${JSON.stringify(params.command ?? '')}: add or remove_all`);
      }
      const given = parseKeyValues(params.context, 'context');
      if (params.command === 'add' && Object.keys(given).length === 0) throw badRequest('Missing required parameter - context');
      const done: string[] = [];
      for (const publicId of publicIdList(params.public_ids)) {
        const key = { resourceType, type: params.type ?? 'upload', publicId };
        const asset = await deps.assets.find(key);
        if (!asset) continue;
        const context = params.command === 'add' ? { ...(JSON.parse(asset.context) as Record<string, string>), ...given } : {};
        await deps.assets.update(key, { context: JSON.stringify(context) });
        done.push(publicId);
      }
      return { public_ids: done };
    },
  );
}
