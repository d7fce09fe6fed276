import { Type } from 'typebox';
import { authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { sendRanged } from '../../ranged-reply.ts';
import type { Api } from '../../types.ts';

/** Which file of an image a download gives: the original as uploaded, or a named derivative. */
export const DownloadSize = Type.Union([Type.Literal('original'), Type.Literal('full'), Type.Literal('large'), Type.Literal('mini')], {
  default: 'original',
});

/** The original (or `size=full|large|mini`) as an attachment named after the uploaded file; Range honoured. */
export function downloadImage(app: Api): void {
  app.get(
    '/images/:id/download',
    {
      schema: {
        operationId: 'images.download',
        tags: ['downloads'],
        summary: "Download an image's original as uploaded, or a named derivative (ability: image_download); Range requests",
        params: Type.Object({ id: ImageId }),
        querystring: Type.Object({ size: Type.Optional(DownloadSize), token: Type.Optional(Type.String()) }),
        response: { 200: Type.Any(), 206: Type.Any(), ...authErrors, 416: ErrorSchema },
      },
    },
    async (request, reply) => {
      const body = await app.services.downloads.image(actorOf(request), request.params.id, request.query.size ?? 'original');
      return sendRanged(request, reply, body);
    },
  );
}
