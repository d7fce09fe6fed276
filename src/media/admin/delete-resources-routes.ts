/**
 * The Admin API's deletions (the SDK's `delete_resources`, `delete_resources_by_prefix`,
 * `delete_all_resources`, `delete_resources_by_tag`, `delete_derived_resources`). Each asset
 * goes wholly (record, original, derivatives, see asset-removal.ts). At most 1000 assets per
 * call, as on Cloudinary: a larger set answers `partial: true`, and the caller repeats the
 * call.
 */
import type { FastifyInstance } from 'fastify';
import { derivedId, type DerivedRecord } from '../asset-json.ts';
import { keyOf } from '../asset-removal.ts';
import { assetDerivativesPrefix } from '../delivery/derived-cache.ts';
import type { MediaAsset } from '../media-assets.repository.ts';
import { badRequest } from '../media-error.ts';
import { Type } from 'typebox';
import { list, paramsSchema, text } from '../params-schema.ts';
import { type AdminDeps, adminParams, adminRoute, flag, many, one, routeParams } from './admin-deps.ts';

const BATCH = 1000;

const RESOURCE_TYPE = { resource_type: Type.String({ description: '`image` or `raw`' }) };
const DELETE = paramsSchema({
  public_ids: list('Up to 100 public ids (the SDK sends public_ids[])'),
  prefix: text('Every public id starting with this'),
  all: text('true: every resource of the type'),
});
const DELETE_DERIVED = paramsSchema({ derived_resource_ids: list('Derivative ids, as `resource` lists them under derived') });

async function removeAll(deps: AdminDeps, assets: MediaAsset[], more: boolean): Promise<Record<string, unknown>> {
  const deleted: Record<string, string> = {};
  const counts: Record<string, { original: number; derived: number }> = {};
  for (const asset of assets) {
    const removed = await deps.removal.destroy(keyOf(asset));
    deleted[asset.public_id] = removed ? 'deleted' : 'not_found';
    counts[asset.public_id] = { original: removed ? 1 : 0, derived: (JSON.parse(asset.derived) as unknown[]).length };
  }
  return { deleted, deleted_counts: counts, partial: more };
}

export function deleteResourcesRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.delete<{ Params: { resource_type: string; type: string } }>(
    '/v1_1/:cloud/resources/:resource_type/:type',
    adminRoute('mediaAdmin.deleteResources', 'Delete resources by public ids, by prefix, or all', {
      params: routeParams({ ...RESOURCE_TYPE, type: Type.String({ description: 'Delivery type: upload, authenticated or private' }) }),
      fields: DELETE,
      in: 'body',
    }),
    async (request) => {
      const params = adminParams(request, DELETE);
      const base = { resourceType: request.params.resource_type, type: request.params.type };
      if (params.public_ids !== undefined) {
        const ids = many(params.public_ids);
        if (ids.length > 100) throw badRequest('At most 100 public_ids per call');
        const deleted: Record<string, string> = {};
        for (const publicId of ids) deleted[publicId] = (await deps.removal.destroy({ ...base, publicId })) ? 'deleted' : 'not_found';
        return { deleted, partial: false };
      }
      const prefix = one(params.prefix);
      if (!prefix && !flag(params.all)) throw badRequest('Missing required parameter - public_ids, prefix or all');
      const found = await deps.assets.list({ ...base, prefix }, BATCH + 1);
      return removeAll(deps, found.slice(0, BATCH), found.length > BATCH);
    },
  );

  app.delete<{ Params: { resource_type: string; tag: string } }>(
    '/v1_1/:cloud/resources/:resource_type/tags/:tag',
    adminRoute('mediaAdmin.deleteResourcesByTag', 'Delete resources with a tag', {
      params: routeParams({ ...RESOURCE_TYPE, tag: Type.String({ description: 'The tag' }) }),
    }),
    async (request) => {
      const found = await deps.assets.list({ resourceType: request.params.resource_type, tag: request.params.tag }, BATCH + 1);
      return removeAll(deps, found.slice(0, BATCH), found.length > BATCH);
    },
  );

  app.delete(
    '/v1_1/:cloud/derived_resources',
    adminRoute('mediaAdmin.deleteDerivedResources', 'Delete derivatives by their ids', { fields: DELETE_DERIVED, in: 'body' }),
    async (request) => {
      const ids = many(adminParams(request, DELETE_DERIVED).derived_resource_ids);
      if (ids.length === 0) throw badRequest('Missing required parameter - derived_resource_ids');
      const deleted: Record<string, string> = {};
      for (const id of ids) {
        const asset = await deps.assets.findByAssetId(id.split(':')[0] ?? '');
        const derived = asset ? (JSON.parse(asset.derived) as DerivedRecord[]) : [];
        const kept = derived.filter((d) => derivedId(asset!, d) !== id);
        if (!asset || kept.length === derived.length) {
          deleted[id] = 'not_found';
          continue;
        }
        await deps.assets.update(keyOf(asset), { derived: JSON.stringify(kept) });
        // Other derivatives of the asset are rendered again on demand: cheaper than tracking each key.
        await deps.cache.purge(assetDerivativesPrefix({ cloud: deps.credentials.cloudName, type: asset.type, publicId: asset.public_id }));
        deleted[id] = 'deleted';
      }
      return { deleted };
    },
  );
}
