/**
 * The Admin API's resource listings and details (the SDK's `api.resources`,
 * `resources_by_tag`, `resources_by_context`, `resources_by_ids`, `resource`), in
 * Cloudinary's shapes: `{resources, next_cursor}` pages of at most `max_results` (default 10,
 * at most 500), and one resource with `derived` and, when asked, colors, faces, phash and
 * image_metadata.
 */
import type { FastifyInstance } from 'fastify';
import { assetJson } from '../asset-json.ts';
import type { AssetFilter } from '../media-assets.repository.ts';
import { badRequest, notFound } from '../media-error.ts';
import { Type } from 'typebox';
import { list, paramsSchema, text } from '../params-schema.ts';
import { type AdminDeps, adminParams, adminRoute, flag, many, one, type AdminParam, routeParams } from './admin-deps.ts';

const RESOURCE_TYPES = new Set(['image', 'raw']);

const RESOURCE_TYPE = { resource_type: Type.String({ description: '`image` or `raw`' }) };
const DELIVERY_TYPE = { type: Type.String({ description: 'Delivery type: upload, authenticated or private' }) };

/** What every listing takes: its page, and which optional parts each resource shows. */
const PAGE = {
  max_results: text('Resources per page, 1 to 500 (default 10)'),
  next_cursor: text('The next_cursor of the previous page'),
  tags: text('true: show each resource\'s tags'),
  context: text('true: show each resource\'s context'),
  metadata: text('true: show each resource\'s metadata'),
};
const LIST = paramsSchema({ prefix: text('Only public ids starting with this'), ...PAGE });
const LIST_BY_TYPE = paramsSchema({
  prefix: text('Only public ids starting with this'),
  public_ids: list('Only these public ids (the SDK sends public_ids[])'),
  ...PAGE,
});
const LIST_BY_TAG = paramsSchema(PAGE);
const LIST_BY_CONTEXT = paramsSchema({ key: text('The context key resources must have'), value: text('…with this value'), ...PAGE });
const DETAILS = paramsSchema({
  colors: text('true: the predominant colours'),
  faces: text('true: the detected faces'),
  phash: text('true: the perceptual hash'),
  image_metadata: text('true: the embedded metadata (EXIF, IPTC, XMP)'),
  exif: text('true: as image_metadata'),
});

interface Cursor {
  type: string;
  publicId: string;
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.type, cursor.publicId])).toString('base64url');

function decodeCursor(value: string | undefined): Cursor | undefined {
  if (!value) return undefined;
  try {
    const [type, publicId] = JSON.parse(Buffer.from(value, 'base64url').toString()) as [string, string];
    if (typeof type === 'string' && typeof publicId === 'string') return { type, publicId };
  } catch {
    // falls through to the refusal
  }
  throw badRequest('Invalid next_cursor');
}

function resourceType(value: string): string {
  if (!RESOURCE_TYPES.has(value)) throw badRequest(`Invalid resource type ${value}`);
  return value;
}

async function page(deps: AdminDeps, filter: AssetFilter, params: Record<string, AdminParam>): Promise<Record<string, unknown>> {
  const max = Number(one(params.max_results) ?? 10);
  if (!Number.isInteger(max) || max < 1 || max > 500) throw badRequest('max_results must be between 1 and 500');
  const found = await deps.assets.list(filter, max + 1, decodeCursor(one(params.next_cursor)));
  const shown = found.slice(0, max);
  const resources = shown.map((asset) => {
    const json = assetJson(deps.json, asset);
    // Listings leave tags and context out unless asked, as Cloudinary's do.
    if (!flag(params.tags)) delete json.tags;
    if (!flag(params.context)) delete json.context;
    if (!flag(params.metadata)) delete json.metadata;
    return json;
  });
  const last = shown[shown.length - 1];
  return found.length > max && last
    ? { resources, next_cursor: encodeCursor({ type: last.type, publicId: last.public_id }) }
    : { resources };
}

export function resourcesRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Params: { resource_type: string } }>(
    '/v1_1/:cloud/resources/:resource_type',
    adminRoute('mediaAdmin.resources', 'List resources of every delivery type', { params: routeParams(RESOURCE_TYPE), fields: LIST }),
    async (request) => {
      const params = adminParams(request, LIST);
      return page(deps, { resourceType: resourceType(request.params.resource_type), prefix: one(params.prefix) }, params);
    },
  );

  app.get<{ Params: { resource_type: string; type: string } }>(
    '/v1_1/:cloud/resources/:resource_type/:type',
    adminRoute('mediaAdmin.resourcesByType', 'List resources of one delivery type, by prefix or public ids', {
      params: routeParams({ ...RESOURCE_TYPE, ...DELIVERY_TYPE }),
      fields: LIST_BY_TYPE,
    }),
    async (request) => {
      const params = adminParams(request, LIST_BY_TYPE);
      const publicIds = params.public_ids === undefined ? undefined : many(params.public_ids);
      const filter = { resourceType: resourceType(request.params.resource_type), type: request.params.type, prefix: one(params.prefix), publicIds };
      return page(deps, filter, params);
    },
  );

  app.get<{ Params: { resource_type: string; tag: string } }>(
    '/v1_1/:cloud/resources/:resource_type/tags/:tag',
    adminRoute('mediaAdmin.resourcesByTag', 'List resources with a tag', {
      params: routeParams({ ...RESOURCE_TYPE, tag: Type.String({ description: 'The tag' }) }),
      fields: LIST_BY_TAG,
    }),
    async (request) => {
      const params = adminParams(request, LIST_BY_TAG);
      return page(deps, { resourceType: resourceType(request.params.resource_type), tag: request.params.tag }, params);
    },
  );

  app.get<{ Params: { resource_type: string } }>(
    '/v1_1/:cloud/resources/:resource_type/context',
    adminRoute('mediaAdmin.resourcesByContext', 'List resources with a context key (and value)', {
      params: routeParams(RESOURCE_TYPE),
      fields: LIST_BY_CONTEXT,
    }),
    async (request) => {
      const params = adminParams(request, LIST_BY_CONTEXT);
      const key = one(params.key);
      if (!key) throw badRequest('Missing required parameter - key');
      const filter = { resourceType: resourceType(request.params.resource_type), contextKey: key, contextValue: one(params.value) };
      return page(deps, filter, params);
    },
  );

  app.get<{ Params: { resource_type: string; type: string; '*': string } }>(
    '/v1_1/:cloud/resources/:resource_type/:type/*',
    adminRoute('mediaAdmin.resource', 'One resource in detail', {
      params: routeParams({ ...RESOURCE_TYPE, ...DELIVERY_TYPE, '*': Type.String({ description: 'The public id' }) }),
      fields: DETAILS,
    }),
    async (request) => {
      const params = adminParams(request, DETAILS);
      const key = { resourceType: resourceType(request.params.resource_type), type: request.params.type, publicId: request.params['*'] };
      const asset = await deps.assets.find(key);
      if (!asset) throw notFound(`Resource not found - ${key.publicId}`);
      return assetJson(deps.json, asset, {
        colors: flag(params.colors),
        faces: flag(params.faces),
        phash: flag(params.phash),
        image_metadata: flag(params.image_metadata) || flag(params.exif),
        derived: 'derived',
      });
    },
  );
}
