import type { Config } from '../../../config.ts';
import type { AlbumPageService } from '../../../services/album-page.service.ts';
import { mediaEndpoints } from '../../../services/media-endpoints.ts';
import type { ThumbnailLinksService } from '../../../services/thumbnail-links.service.ts';
import type { ViewerIdentity } from '../../../services/viewer-identity.ts';
import { originOf } from './views/html.ts';

/** What the page routes are built from. */
export interface PageDeps {
  config: Config;
  albumPages: AlbumPageService;
  viewers: ViewerIdentity;
  thumbnails: ThumbnailLinksService;
}

/**
 * The media host's origins, for the pages' Content-Security-Policy: where images load from and
 * where the upload page posts. Read per request: the public URL is known only once listening.
 */
export function mediaOrigins(config: Config): { delivery: string[]; upload: string[] } {
  const endpoints = mediaEndpoints(config);
  const delivery = originOf(endpoints.deliveryBaseUrl);
  const upload = originOf(endpoints.uploadUrl);
  return { delivery: delivery ? [delivery] : [], upload: upload ? [upload] : [] };
}
