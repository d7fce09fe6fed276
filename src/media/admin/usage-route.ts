/**
 * `GET /v1_1/<cloud>/usage` (the SDK's `api.usage`): what is stored, in Cloudinary's usage
 * shape. Only what the host counts is reported: stored objects and bytes, and derivatives in
 * the cache; there is no plan, bandwidth meter or credit here.
 */
import type { FastifyInstance } from 'fastify';
import { type AdminDeps, adminRoute } from './admin-deps.ts';

export function usageRoute(app: FastifyInstance, deps: AdminDeps): void {
  app.get('/v1_1/:cloud/usage', adminRoute('mediaAdmin.usage', 'Storage and counts'), async () => {
    const usage = await deps.assets.usage();
    const count = usage.reduce((n, u) => n + u.count, 0);
    const bytes = usage.reduce((n, u) => n + u.bytes, 0);
    return {
      plan: 'embedded',
      last_updated: new Date().toISOString().slice(0, 10),
      resources: count,
      derived_resources: deps.cache.count,
      objects: { usage: count },
      storage: { usage: bytes + deps.cache.bytes },
      resources_by_type: Object.fromEntries(usage.map((u) => [u.resource_type, { count: u.count, bytes: u.bytes }])),
    };
  });
}
