import type { Api } from '../../types.ts';
import { downloadAlbumZip } from './download-album-zip.ts';
import { downloadImage } from './download-image.ts';

/** Downloads of originals and album ZIPs (all need a token). */
export function downloadRoutes(app: Api): void {
  downloadImage(app);
  downloadAlbumZip(app);
}
