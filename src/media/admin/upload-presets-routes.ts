/**
 * Upload presets through the Admin API (the SDK's `upload_presets`, `upload_preset`,
 * `create_upload_preset`, `update_upload_preset`, `delete_upload_preset`). Every upload
 * param sent is kept in the preset's `settings`; `unsigned` lets uploads use the preset
 * without a signature (see upload/upload-route.ts).
 */
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { badRequest, notFound } from '../media-error.ts';
import { PRESET_NAME } from '../upload-presets.ts';
import { Type } from 'typebox';
import { paramsSchema, text } from '../params-schema.ts';
import { type AdminDeps, adminParams, type AdminParam, adminRoute, flag, one, routeParams } from './admin-deps.ts';

/** Params that describe the preset itself rather than the uploads using it. */
const OWN_PARAMS = new Set(['name', 'unsigned', 'disallow_public_id', 'live', 'timestamp', 'api_key', 'signature']);

const NAME = routeParams({ name: Type.String({ description: 'The preset\'s name' }) });
const SETTINGS = 'Any upload param (folder, tags, eager, transformation, context, overwrite, ...): the preset\'s settings';
const CREATE = paramsSchema({ name: text('Its name (made up when absent)'), unsigned: text('true: usable without a signature') }, SETTINGS);
const UPDATE = paramsSchema({ unsigned: text('true or false') }, SETTINGS);

function settingsOf(params: Record<string, AdminParam>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([key, value]) => !OWN_PARAMS.has(key) && value !== undefined)
      .map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : (value as string)]),
  );
}

function nameParam(value: string | undefined): string {
  if (value === undefined || !PRESET_NAME.test(value)) throw badRequest(`Invalid upload preset name ${JSON.stringify(value ?? '')}`);
  return value;
}

export function uploadPresetsRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get('/v1_1/:cloud/upload_presets', adminRoute('mediaAdmin.uploadPresets', 'List upload presets'), async () => ({
    presets: await deps.presets.list(),
  }));

  app.get<{ Params: { name: string } }>(
    '/v1_1/:cloud/upload_presets/:name',
    adminRoute('mediaAdmin.uploadPreset', 'One upload preset', { params: NAME }),
    async (request) => {
      const preset = await deps.presets.get(request.params.name);
      if (!preset) throw notFound(`Upload preset ${request.params.name} not found`);
      return preset;
    },
  );

  app.post(
    '/v1_1/:cloud/upload_presets',
    adminRoute('mediaAdmin.createUploadPreset', 'Create an upload preset', { fields: CREATE, in: 'body' }),
    async (request) => {
      const params = adminParams(request, CREATE);
      // Cloudinary names a preset itself when no name is given.
      const name = one(params.name) === undefined ? randomBytes(6).toString('hex') : nameParam(one(params.name));
      if (!(await deps.presets.create({ name, unsigned: flag(params.unsigned), settings: settingsOf(params) }))) {
        throw badRequest(`Upload preset ${name} already exists`);
      }
      return { message: 'created', name };
    },
  );

  app.put<{ Params: { name: string } }>(
    '/v1_1/:cloud/upload_presets/:name',
    adminRoute('mediaAdmin.updateUploadPreset', 'Change an upload preset', { params: NAME, fields: UPDATE, in: 'body' }),
    async (request) => {
      const params = adminParams(request, UPDATE);
      const patch = { settings: settingsOf(params), ...(params.unsigned !== undefined ? { unsigned: flag(params.unsigned) } : {}) };
      if (!(await deps.presets.update(request.params.name, patch))) throw notFound(`Upload preset ${request.params.name} not found`);
      return { message: 'updated' };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1_1/:cloud/upload_presets/:name',
    adminRoute('mediaAdmin.deleteUploadPreset', 'Delete an upload preset', { params: NAME }),
    async (request) => {
      if (!(await deps.presets.remove(request.params.name))) throw notFound(`Upload preset ${request.params.name} not found`);
      return { message: 'deleted' };
    },
  );
}
