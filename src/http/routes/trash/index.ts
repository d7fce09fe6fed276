import type { Api } from '../../types.ts';
import { listTrash } from './list-trash.ts';
import { restoreImage } from './restore-image.ts';

/** The trash: deleted images until TRASH_DAYS have passed (all need a token). */
export function trashRoutes(app: Api): void {
  listTrash(app);
  restoreImage(app);
}
