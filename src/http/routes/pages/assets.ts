import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { PUBLIC_DIR } from '../../../public-dir.ts';
import type { Api } from '../../types.ts';

/** Files of src/public that pages load, by name, with their content types; nothing else is served. */
const ASSETS: Record<string, string> = {
  'pages.css': 'text/css; charset=utf-8',
  'upload-test.js': 'text/javascript; charset=utf-8',
  'album-page.js': 'text/javascript; charset=utf-8',
};

/** Reads a file of src/public. */
export function publicFile(name: string): Buffer {
  return readFileSync(new URL(name, PUBLIC_DIR));
}

/**
 * `GET /assets/<name>`: the pages' scripts and styles, read once at start. Revalidated on each
 * use (no fingerprinted names, so a deploy must never leave a stale script cached).
 */
export function assetRoutes(app: Api): void {
  const files = new Map(
    Object.entries(ASSETS).map(([name, type]) => {
      const body = publicFile(name);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      return [name, { body, type, etag }];
    }),
  );
  app.get(
    '/assets/:name',
    {
      config: { public: true },
      schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 64 }) }) },
    },
    async (request, reply) => {
      const file = files.get(request.params.name);
      if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
      reply
        .header('Cache-Control', 'no-cache')
        .header('ETag', file.etag)
        .header('X-Content-Type-Options', 'nosniff')
        .header('Cross-Origin-Resource-Policy', 'same-origin');
      if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
      return reply.type(file.type).send(file.body);
    },
  );
}
