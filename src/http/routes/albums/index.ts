import type { Api } from '../../types.ts';
import { createAlbum } from './create-album.ts';
import { duplicateAlbum } from './duplicate-album.ts';
import { getAlbum } from './get-album.ts';
import { listAlbums } from './list-albums.ts';
import { updateAlbum } from './update-album.ts';
import { uploadDone } from './upload-done.ts';

/** Album routes (all need a token). */
export function albumRoutes(app: Api): void {
  createAlbum(app);
  getAlbum(app);
  listAlbums(app);
  updateAlbum(app);
  duplicateAlbum(app);
  uploadDone(app);
}
