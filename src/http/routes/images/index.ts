import type { Api } from '../../types.ts';
import { copyImages } from './copy-images.ts';
import { deleteImage } from './delete-image.ts';
import { deleteImages } from './delete-images.ts';
import { duplicateImage } from './duplicate-image.ts';
import { getImage } from './get-image.ts';
import { importImage } from './import-image.ts';
import { listAlbumImages } from './list-album-images.ts';
import { moveImages } from './move-images.ts';
import { registerImage } from './register-image.ts';
import { tagImage } from './tag-image.ts';
import { untagImage } from './untag-image.ts';
import { updateImage } from './update-image.ts';

/** Image routes (all need a token). */
export function imageRoutes(app: Api): void {
  listAlbumImages(app);
  registerImage(app);
  importImage(app);
  moveImages(app);
  copyImages(app);
  duplicateImage(app);
  deleteImage(app);
  deleteImages(app);
  getImage(app);
  updateImage(app);
  tagImage(app);
  untagImage(app);
}
