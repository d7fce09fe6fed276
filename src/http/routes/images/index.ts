import type { Api } from '../../types.ts';
import { listAlbumImages } from './list-album-images.ts';

/** Image routes (all need a token). */
export function imageRoutes(app: Api): void {
  listAlbumImages(app);
}
