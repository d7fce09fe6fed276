import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { TokenSigner } from '../auth/tokens.ts';
import { repositoriesOver } from '../repositories/index.ts';
import { AccountsService } from './accounts.service.ts';
import { AlbumsService } from './albums.service.ts';
import { AuthService } from './auth.service.ts';
import { ImagePresenter } from './image-presenter.ts';
import { ImagesService } from './images.service.ts';
import { NotificationsService } from './notifications.service.ts';
import { UploadFormService } from './upload-form.ts';

/** Every service of the API, wired once per process. */
export interface Services {
  auth: AuthService;
  accounts: AccountsService;
  albums: AlbumsService;
  images: ImagesService;
  notifications: NotificationsService;
  presenter: ImagePresenter;
  signer: TokenSigner;
}

export function createServices(config: Config, db: Db): Services {
  const repos = repositoriesOver(db.kysely);
  const signer = new TokenSigner(config.secretKeyBase);
  const forms = new UploadFormService(config, signer);
  const presenter = new ImagePresenter(config);
  const albums = new AlbumsService(repos, forms, presenter);
  return {
    auth: new AuthService(repos, signer),
    accounts: new AccountsService(config, repos, signer),
    albums,
    images: new ImagesService(repos, albums, presenter),
    notifications: new NotificationsService(config, db.kysely, signer),
    presenter,
    signer,
  };
}
