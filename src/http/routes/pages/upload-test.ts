import type { Api } from '../../types.ts';
import { publicFile } from './assets.ts';
import { type PageDeps, mediaOrigins } from './deps.ts';
import { sendPage } from './views/html.ts';

/**
 * `GET /upload_test`: a static page (src/public/upload-test.html + upload-test.js) that
 * takes a token, opens or creates an album, and uploads files (chosen, dropped, pasted or from
 * a phone's camera) straight to the album's signed form, big ones in chunks, with a preview,
 * a progress bar and cancel / retry each, then records them in the album. The token never
 * reaches the server through this route: the script reads it from `?token=` or the field and
 * calls the API itself. Previews are `blob:` images, which the pages' policy allows.
 */
export function uploadTestPage(app: Api, deps: PageDeps): void {
  const page = publicFile('upload-test.html').toString('utf8');
  app.get(
    '/upload_test',
    {
      config: { public: true },
      schema: {
        operationId: 'pages.uploadTest',
        tags: ['pages'],
        summary: 'HTML page: upload files to an album through its signed form (token from ?token= or a field)',
        security: [],
      },
    },
    async (_request, reply) => {
      const origins = mediaOrigins(deps.config);
      return sendPage(reply, 200, page, {
        frameable: false,
        imageOrigins: origins.delivery,
        connectOrigins: origins.upload,
      });
    },
  );
}
