/** `GET /v1_1/<cloud>/ping` (the SDK's `api.ping`): the Admin API answers and the credentials hold. */
import type { FastifyInstance } from 'fastify';
import { adminRoute } from './admin-deps.ts';

export function pingRoute(app: FastifyInstance): void {
  app.get('/v1_1/:cloud/ping', adminRoute('mediaAdmin.ping', 'Check the Admin API and credentials'), async () => ({
    status: 'ok',
  }));
}
