import type { Api } from '../../types.ts';
import { createShare } from './create-share.ts';
import { listShares } from './list-shares.ts';
import { revokeShare } from './revoke-share.ts';

/** Share link management (all need a token); the public pages are in routes/pages. */
export function shareRoutes(app: Api): void {
  createShare(app);
  listShares(app);
  revokeShare(app);
}
