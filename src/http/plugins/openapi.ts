/**
 * The OpenAPI 3 document, generated from the route schemas: `/openapi.json`, and a docs page
 * at `/docs`. The collector is registered on the root before any route, so that it sees them
 * all (media delivery's included, which sits outside the service's scope); the pages are
 * served inside the service's scope, with its hooks.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The document's collector: on the root, before every route. */
export async function openapiCollector(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Album API',
        version: '1',
        description:
          'Photo albums with signed direct-upload forms (Cloudinary protocol). Authenticate with ' +
          '`Authorization: Token token="<JWT>"`, `Authorization: Bearer <JWT>` or `?token=<JWT>`.',
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
      security: [{ token: [] }],
    },
  });
}

/** The document's pages, `/docs` and `/openapi.json`, in `scope`. */
export async function openapiPages(scope: FastifyInstance): Promise<void> {
  await scope.register(swaggerUi, { routePrefix: '/docs' });
  scope.get('/openapi.json', { schema: { hide: true } }, async () => scope.swagger());
}
