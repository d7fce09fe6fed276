import { Type } from 'typebox';
import { ErrorSchema } from '../../schemas/common.schema.ts';
import type { Api } from '../../types.ts';

/** The media host's signed upload notification (embedded host or Cloudinary). */
export function receiveNotification(app: Api): void {
  app.post(
    '/cloudinary',
    {
      config: { public: true },
      schema: {
        operationId: 'cloudinary.notify',
        tags: ['media host'],
        summary: 'Upload notification from the media host (signed with X-Cld-Signature)',
        security: [],
        querystring: Type.Object({ token: Type.Optional(Type.String()) }),
        response: {
          201: Type.Object({ status: Type.String(), image_id: Type.Union([Type.String(), Type.Null()]) }),
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const result = await app.services.notifications.receive(request.query.token, request.rawBody ?? '', {
        timestamp: header('x-cld-timestamp'),
        signature: header('x-cld-signature'),
      });
      return reply.status(201).send(result);
    },
  );
}
