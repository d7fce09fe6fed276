/**
 * `POST /v1_1/<cloud>/<resource_type>/explicit` (the SDK's `uploader.explicit`): acts on a
 * stored asset as an upload would, without the file: makes `eager` derivatives, and replaces
 * `tags`, `context` and `metadata` when given. Answers the asset, with `eager` when asked.
 */
import type { FastifyInstance } from 'fastify';
import { assetJson, type DerivedRecord } from '../asset-json.ts';
import { notFound } from '../media-error.ts';
import { parseEager, parseKeyValues, parseTags, publicIdParam } from '../upload/upload-options.ts';
import { manageRoute, type ManageDeps, type ResourceParams, signedCall } from './manage-deps.ts';
import { paramsSchema, SIGNED, text } from '../params-schema.ts';

const FIELDS = paramsSchema({
  public_id: text('The stored asset'),
  type: text('Its delivery type: upload (default), authenticated or private'),
  eager: text('Derivatives to make now, `|`-separated transformations'),
  tags: text('Comma-separated tags, replacing the asset\'s'),
  context: text('`key=value|key2=value2`, replacing the asset\'s'),
  metadata: text('`key=value|key2=value2`, replacing the asset\'s'),
  ...SIGNED,
});

export function explicitRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: ResourceParams }>(
    '/v1_1/:cloud/:resource_type/explicit',
    manageRoute('media.explicit', 'Eager derivatives, tags and context on a stored asset (signed)', FIELDS),
    async (request) => {
      const { params, resourceType } = await signedCall(request, deps, FIELDS);
      const key = { resourceType, type: params.type ?? 'upload', publicId: publicIdParam(params.public_id) };
      const asset = await deps.assets.find(key);
      if (!asset) throw notFound(`Resource not found - ${key.publicId}`);
      const eager = parseEager(params.eager);
      const made = await deps.eager.make(asset, eager);
      const known = (JSON.parse(asset.derived) as DerivedRecord[]).filter(
        (d) => !made.some((m) => m.transformation === d.transformation && m.format === d.format),
      );
      const updated = {
        ...asset,
        derived: JSON.stringify([...known, ...made]),
        ...(params.tags !== undefined ? { tags: JSON.stringify(parseTags(params.tags)) } : {}),
        ...(params.context !== undefined ? { context: JSON.stringify(parseKeyValues(params.context, 'context')) } : {}),
        ...(params.metadata !== undefined ? { metadata: JSON.stringify(parseKeyValues(params.metadata, 'metadata')) } : {}),
      };
      await deps.assets.update(key, { derived: updated.derived, tags: updated.tags, context: updated.context, metadata: updated.metadata });
      const json = assetJson(deps.json, { ...updated, derived: JSON.stringify(made) }, { derived: eager.length ? 'eager' : false });
      return json;
    },
  );
}
