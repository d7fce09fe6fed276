import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { TokenSigner } from '../auth/tokens.ts';
import { repositoriesOver } from '../repositories/index.ts';
import { AccountsService } from './accounts.service.ts';
import { AlbumsService } from './albums.service.ts';
import { AuthService } from './auth.service.ts';
import { ImagePresenter } from './image-presenter.ts';
import { UploadFormService } from './upload-form.ts';

/** Every service of the API, wired once per process. */
export interface Services {
  auth: AuthService;
  accounts: AccountsService;
  albums: AlbumsService;
  signer: TokenSigner;
}

export function createServices(config: Config, db: Db): Services {
  const repos = repositoriesOver(db.kysely);
  const signer = new TokenSigner(config.secretKeyBase);
  const forms = new UploadFormService(config, signer);
  const images = new ImagePresenter(config);
  return {
    auth: new AuthService(repos, signer),
    accounts: new AccountsService(config, repos, signer),
    albums: new AlbumsService(repos, forms, images),
    signer,
  };
}
