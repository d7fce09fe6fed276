/**
 * Everything outside the API that a browser opens: the upload test page, the embeddable album
 * page, their assets, and the thumbnail redirect. None of it gets the API's seed headers (the
 * API's JSON content type and `X-Frame-Options: DENY` would break pages and iframes).
 */
import type { Platform } from '../../../platform.ts';
import { authentication } from '../../plugins/authentication.ts';
import { jsonErrors } from '../../plugins/error-handler.ts';
import type { Api } from '../../types.ts';
import { albumPage } from './album-page.ts';
import { assetRoutes } from './assets.ts';
import type { PageDeps } from './deps.ts';
import { pageErrors } from './page-errors.ts';
import { shareFiles } from './share-files.ts';
import { sharePage } from './share-page.ts';
import { thumbnailRedirect } from './thumbnail-redirect.ts';
import { uploadTestPage } from './upload-test.ts';

export async function pageRoutes(app: Api, { config, services }: Pick<Platform, 'config' | 'services'>): Promise<void> {
  const deps: PageDeps = { config, albumPages: services.albumPages, viewers: services.viewers, thumbnails: services.thumbnails };
  // Pages: errors are HTML pages; the token comes from ?token= (or a header), as for the API.
  await app.register(async (pages: Api) => {
    pageErrors(pages);
    authentication(pages);
    assetRoutes(pages);
    uploadTestPage(pages, deps);
    albumPage(pages, deps);
    sharePage(pages, deps);
    shareFiles(pages);
  });
  // The thumbnail redirect answers errors in the API's JSON, as the original service did.
  await app.register(async (links: Api) => {
    jsonErrors(links);
    authentication(links);
    thumbnailRedirect(links, deps);
  });
}
