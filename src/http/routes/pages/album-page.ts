import { Type } from 'typebox';
import { VIEWER_COOKIE, VIEWER_COOKIE_MAX_AGE_SECONDS } from '../../../services/viewer-identity.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { AlbumIdParam } from '../../schemas/common.schema.ts';
import type { Api } from '../../types.ts';
import { type PageDeps, mediaOrigins } from './deps.ts';
import { albumPageView } from './views/album-page.view.ts';
import { sendPage } from './views/html.ts';

/** The value of cookie `name` in a Cookie header, if any. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The viewer cookie. Over HTTPS it is `SameSite=None; Secure; Partitioned`, so that it works
 * in an iframe on another site (kept per embedding site, as CHIPS does); over plain HTTP
 * browsers refuse `SameSite=None`, so it is `Lax` and only first-party views keep it.
 */
function viewerCookie(value: string, secure: boolean): string {
  const base = `${VIEWER_COOKIE}=${value}; Path=/albums; Max-Age=${VIEWER_COOKIE_MAX_AGE_SECONDS}; HttpOnly`;
  return secure ? `${base}; SameSite=None; Secure; Partitioned` : `${base}; SameSite=Lax`;
}

/**
 * Not a new view: a browser's speculative load (prefetch/prerender), or a script's fetch
 * (`Sec-Fetch-Dest: empty`), which is the page already open loading its next photos. Where a
 * browser sends no Sec-Fetch headers (plain HTTP off localhost), the viewer's window dedupes it.
 */
function isView(headers: Record<string, string | string[] | undefined>): boolean {
  const purpose = String(headers['sec-purpose'] ?? headers.purpose ?? '');
  return !/prefetch|prerender/i.test(purpose) && headers['sec-fetch-dest'] !== 'empty';
}

/**
 * `GET /albums/:id?token=`: the embeddable album page (ability `see`, and `image_list` for
 * its photos). Each view counts once per viewer and window (see AlbumPageService); the page
 * may be framed by any site.
 */
export function albumPage(app: Api, deps: PageDeps): void {
  app.get(
    '/albums/:id',
    {
      // A HEAD would count as a view without anyone seeing the page.
      exposeHeadRoute: false,
      schema: {
        operationId: 'pages.album',
        tags: ['pages'],
        summary: 'HTML page: the album as an embeddable grid by day with a lightbox (abilities: see, image_list; image_download for downloads); counts a view',
        params: Type.Object({ id: AlbumIdParam }),
        querystring: Type.Object({
          token: Type.Optional(Type.String()),
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1 })),
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const viewer = deps.viewers.of({
        cookie: readCookie(request.headers.cookie, VIEWER_COOKIE),
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
        actor,
      });
      const { token, page = 1 } = request.query;
      const view = await deps.albumPages.view(actor, request.params.id, viewer, {
        page,
        count: isView(request.headers),
      });
      if (viewer.newCookie) reply.header('Set-Cookie', viewerCookie(viewer.newCookie, deps.config.publicUrl.startsWith('https:')));
      // Links to other pages carry the token only when it came in the URL (never a header's).
      const pageHref = (n: number) =>
        `/albums/${encodeURIComponent(view.albumId)}?${new URLSearchParams({ ...(token ? { token } : {}), page: String(n) })}`;
      return sendPage(reply, 200, albumPageView(view, pageHref), {
        frameable: true,
        imageOrigins: mediaOrigins(deps.config).delivery,
      });
    },
  );
}
