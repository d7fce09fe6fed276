import type { Api } from '../../types.ts';
import { createSecret } from './create-secret.ts';
import { createToken } from './create-token.ts';
import { getOrganization } from './get-organization.ts';
import { getUser } from './get-user.ts';
import { updateOrganization } from './update-organization.ts';

/** Who the caller is, and the credentials it can hand out. */
export function accountRoutes(app: Api): void {
  getUser(app);
  getOrganization(app);
  updateOrganization(app);
  createSecret(app);
  createToken(app);
}
