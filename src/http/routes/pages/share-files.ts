import { Type } from 'typebox';
import { SHARE_IMAGE_MAX_AGE_SECONDS, SHARED_SIZES } from '../../../services/share-links.service.ts';
import { sendRanged } from '../../ranged-reply.ts';
import type { Api } from '../../types.ts';

const Proof = Type.Object({ exp: Type.Integer({ minimum: 0 }), sig: Type.String({ maxLength: 64 }) });
const ShareParams = { id: Type.String({ minLength: 1, maxLength: 64 }) };
const ImageParams = Type.Object({ ...ShareParams, image_id: Type.String({ minLength: 1, maxLength: 255 }) });

/**
 * The files a share page hands out, by signed, expiring URLs (see share-links.service.ts):
 * the shown images' derivatives, and, when the link allows it, originals and the ZIP. Each
 * request checks the link again: revoked or expired, they are 404 at once.
 */
export function shareFiles(app: Api): void {
  const shares = () => app.services.shares;
  app.get(
    '/shares/:id/images/:image_id/:size',
    {
      config: { public: true },
      schema: {
        operationId: 'pages.shareImage',
        tags: ['pages'],
        summary: "A share page's image (full, large or mini) by its signed, expiring URL",
        security: [],
        params: Type.Object({ ...ImageParams.properties, size: Type.Union(SHARED_SIZES.map((s) => Type.Literal(s))) }),
        querystring: Proof,
      },
    },
    async (request, reply) => {
      const { id, image_id: imageId, size } = request.params;
      const image = await shares().image(id, imageId, size, request.query);
      return reply
        .header('Content-Type', image.contentType)
        .header('Cache-Control', `private, max-age=${SHARE_IMAGE_MAX_AGE_SECONDS}`)
        .header('X-Content-Type-Options', 'nosniff')
        .header('Cross-Origin-Resource-Policy', 'same-origin')
        .send(image.body);
    },
  );
  app.get(
    '/shares/:id/images/:image_id/download',
    {
      config: { public: true },
      schema: {
        operationId: 'pages.shareDownload',
        tags: ['pages'],
        summary: "A share page's original download, when the link allows downloads (Range honoured)",
        security: [],
        params: ImageParams,
        querystring: Proof,
      },
    },
    async (request, reply) => {
      const body = await shares().downloadImage(request.params.id, request.params.image_id, request.query);
      reply.header('Cache-Control', 'no-store');
      return sendRanged(request, reply, body);
    },
  );
  app.get(
    '/shares/:id/download.zip',
    {
      config: { public: true },
      schema: {
        operationId: 'pages.shareDownloadZip',
        tags: ['pages'],
        summary: "A share page's ZIP of every shown original, when the link allows downloads (Content-Length, Range)",
        security: [],
        params: Type.Object(ShareParams),
        querystring: Proof,
      },
    },
    async (request, reply) => {
      const body = await shares().downloadAll(request.params.id, request.query);
      reply.header('Cache-Control', 'no-store');
      return sendRanged(request, reply, body);
    },
  );
}
