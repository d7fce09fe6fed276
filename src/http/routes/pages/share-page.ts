import { Type } from 'typebox';
import { SHARE_ACCESS_SECONDS } from '../../../services/share-links.service.ts';
import type { Api } from '../../types.ts';
import { readCookie } from './album-page.ts';
import type { PageDeps } from './deps.ts';
import { sharePageView, sharePasswordView } from './views/share-page.view.ts';
import { sendPage } from './views/html.ts';

/** The cookie a correct password sets, scoped to its link's path. */
const ACCESS_COOKIE = 'share_access';

const ShareParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** A browser's speculative load (prefetch/prerender) is not a view. */
function isSpeculative(headers: Record<string, string | string[] | undefined>): boolean {
  return /prefetch|prerender/i.test(String(headers['sec-purpose'] ?? headers.purpose ?? ''));
}

/**
 * `GET /shares/:id`: the public page of a share link (no token), 404 once it is revoked or
 * expired; behind a password, a form first (`POST /shares/:id`). Each page view counts.
 */
export function sharePage(app: Api, deps: PageDeps): void {
  const shares = () => app.services.shares;
  const policy = { frameable: true, imageOrigins: [] };
  app.get(
    '/shares/:id',
    {
      config: { public: true },
      // A HEAD would count as a view without anyone seeing the page.
      exposeHeadRoute: false,
      schema: {
        operationId: 'pages.share',
        tags: ['pages'],
        summary: 'HTML page: the photos of a share link (no token; a password form first when it has one); counts a view',
        security: [],
        params: ShareParams,
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1 })) }),
      },
    },
    async (request, reply) => {
      const share = await shares().open(request.params.id);
      const path = `/shares/${encodeURIComponent(share.id)}`;
      if (shares().locked(share, readCookie(request.headers.cookie, ACCESS_COOKIE))) {
        return sendPage(reply, 200, sharePasswordView(path, false), policy);
      }
      const page = request.query.page ?? 1;
      const view = await shares().page(share, page, !isSpeculative(request.headers));
      return sendPage(reply, 200, sharePageView(view, (n) => `${path}?page=${n}`), policy);
    },
  );
  app.post(
    '/shares/:id',
    {
      config: { public: true },
      schema: {
        operationId: 'pages.shareUnlock',
        tags: ['pages'],
        summary: "HTML form post: a share link's password; sets a cookie for that link and goes back to its page",
        security: [],
        params: ShareParams,
        body: Type.Object({ password: Type.String({ maxLength: 200 }) }),
      },
    },
    async (request, reply) => {
      const share = await shares().open(request.params.id);
      const path = `/shares/${encodeURIComponent(share.id)}`;
      const access = await shares().unlock(share, request.body.password);
      if (!access) return sendPage(reply, 401, sharePasswordView(path, true), policy);
      const secure = deps.config.publicUrl.startsWith('https:') ? '; Secure' : '';
      reply.header('Set-Cookie', `${ACCESS_COOKIE}=${access}; Path=${path}; Max-Age=${SHARE_ACCESS_SECONDS}; HttpOnly; SameSite=Lax${secure}`);
      return reply.header('Cache-Control', 'no-store').redirect(path, 303);
    },
  );
}
