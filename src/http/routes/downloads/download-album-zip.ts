import { Type } from 'typebox';
import { AlbumIdParam, authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { Flag, ImageId, isSet } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { sendRanged } from '../../ranged-reply.ts';
import type { Api } from '../../types.ts';
import { MAX_ZIP_SELECTION } from '../../../services/downloads.service.ts';

const ImageIds = Type.Array(ImageId, { minItems: 1, maxItems: MAX_ZIP_SELECTION });

/**
 * The album's originals (or the `image_ids[]` chosen among them) as one stored ZIP, streamed,
 * with its exact Content-Length and Range support (see album-zip.ts); `edited=true` puts
 * edited images in as edited.
 */
export function downloadAlbumZip(app: Api): void {
  app.get(
    '/albums/:id/download.zip',
    {
      schema: {
        operationId: 'albums.downloadZip',
        tags: ['downloads'],
        summary: "Download an album's originals (or image_ids[] among them; edited=true: edited images as edited) as a streamed ZIP with Content-Length and Range (ability: image_download)",
        params: Type.Object({ id: AlbumIdParam }),
        querystring: Type.Object({
          image_ids: Type.Optional(ImageIds),
          'image_ids[]': Type.Optional(ImageIds),
          edited: Type.Optional(Flag),
          token: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Any(), 206: Type.Any(), ...authErrors, 416: ErrorSchema },
      },
    },
    async (request, reply) => {
      const ids = request.query['image_ids[]'] ?? request.query.image_ids;
      const body = await app.services.downloads.albumZip(actorOf(request), request.params.id, ids, { edited: isSet(request.query.edited) });
      return sendRanged(request, reply, body);
    },
  );
}
