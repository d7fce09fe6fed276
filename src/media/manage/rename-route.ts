/**
 * `POST /v1_1/<cloud>/<resource_type>/rename` (the SDK's `uploader.rename`): gives an asset
 * another public id and, with `to_type`, another delivery type. An existing target is
 * replaced only with `overwrite`. The stored original stays where it is (its storage key
 * is an address, not a name); derivatives under the old name are removed.
 */
import type { FastifyInstance } from 'fastify';
import { assetJson } from '../asset-json.ts';
import { badRequest, notFound } from '../media-error.ts';
import { isTrue, publicIdParam } from '../upload/upload-options.ts';
import { manageRoute, type ManageDeps, type ResourceParams, signedCall } from './manage-deps.ts';
import { paramsSchema, SIGNED, text } from '../params-schema.ts';

const TYPES = new Set(['upload', 'authenticated', 'private']);

const FIELDS = paramsSchema({
  from_public_id: text('The asset\'s public id'),
  to_public_id: text('Its new public id'),
  type: text('Its delivery type: upload (default), authenticated or private'),
  to_type: text('Its new delivery type'),
  overwrite: text('true: replace an asset already at to_public_id'),
  invalidate: text('Accepted; derivatives under the old name are removed'),
  ...SIGNED,
});

export function renameRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: ResourceParams }>(
    '/v1_1/:cloud/:resource_type/rename',
    manageRoute('media.rename', 'Rename an asset (signed)', FIELDS),
    async (request) => {
      const { params, resourceType } = await signedCall(request, deps, FIELDS);
      const type = params.type ?? 'upload';
      const toType = params.to_type ?? type;
      if (!TYPES.has(toType)) throw badRequest(`Invalid to_type ${JSON.stringify(toType)}`);
      const from = { resourceType, type, publicId: publicIdParam(params.from_public_id, 'from_public_id') };
      const to = { resourceType, type: toType, publicId: publicIdParam(params.to_public_id, 'to_public_id') };
      const asset = await deps.assets.find(from);
      if (!asset) throw notFound(`Resource not found - ${from.publicId}`);
      if (from.type === to.type && from.publicId === to.publicId) return assetJson(deps.json, asset);
      const target = await deps.assets.find(to);
      if (target && !isTrue(params.overwrite)) throw badRequest(`to_public_id ${to.publicId} already exists`);
      if (target) await deps.removal.destroy(to);
      await deps.assets.update(from, { type: to.type, public_id: to.publicId });
      deps.removal.forget(from);
      deps.removal.forget(to);
      await deps.removal.purgeDerivatives(from);
      return assetJson(deps.json, { ...asset, type: to.type, public_id: to.publicId });
    },
  );
}
