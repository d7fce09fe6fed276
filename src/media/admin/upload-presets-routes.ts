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
import { type AdminDeps, adminParams, type AdminParam, adminSchema, flag, one } from './admin-deps.ts';

/** Params that describe the preset itself rather than the uploads using it. */
const OWN_PARAMS = new Set(['name', 'unsigned', 'disallow_public_id', 'live', 'timestamp', 'api_key', 'signature']);

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
  app.get('/v1_1/:cloud/upload_presets', { schema: adminSchema('mediaAdmin.uploadPresets', 'List upload presets') }, async () => ({
    presets: await deps.presets.list(),
  }));

  app.get<{ Params: { name: string } }>(
    '/v1_1/:cloud/upload_presets/:name',
    { schema: adminSchema('mediaAdmin.uploadPreset', 'One upload preset') },
    async (request) => {
      const preset = await deps.presets.get(request.params.name);
      if (!preset) throw notFound(`Upload preset ${request.params.name} not found`);
      return preset;
    },
  );

  app.post(
    '/v1_1/:cloud/upload_presets',
    { schema: adminSchema('mediaAdmin.createUploadPreset', 'Create an upload preset') },
    async (request) => {
      const params = adminParams(request);
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
    { schema: adminSchema('mediaAdmin.updateUploadPreset', 'Change an upload preset') },
    async (request) => {
      const params = adminParams(request);
      const patch = { settings: settingsOf(params), ...(params.unsigned !== undefined ? { unsigned: flag(params.unsigned) } : {}) };
      if (!(await deps.presets.update(request.params.name, patch))) throw notFound(`Upload preset ${request.params.name} not found`);
      return { message: 'updated' };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1_1/:cloud/upload_presets/:name',
    { schema: adminSchema('mediaAdmin.deleteUploadPreset', 'Delete an upload preset') },
    async (request) => {
      if (!(await deps.presets.remove(request.params.name))) throw notFound(`Upload preset ${request.params.name} not found`);
      return { message: 'deleted' };
    },
  );
}
