/**
 * The OpenAPI 3 document, generated from the route schemas: `/openapi.json`, and a docs page
 * at `/docs`. Registered before the routes so that it sees them all.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function openapi(app: FastifyInstance, publicUrl: string): Promise<void> {
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
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
