import type { ObjectStore } from '../storage/object-store.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { TokenSigner } from '../auth/tokens.ts';
import type { DeliverWebhookJob } from '../jobs/deliver-webhook.job.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { PurgeTrashJob } from '../jobs/purge-trash.job.ts';
import { repositoriesOver } from '../repositories/index.ts';
import { AccountsService } from './accounts.service.ts';
import { AlbumPageService } from './album-page.service.ts';
import { AlbumRenameService } from './album-rename.service.ts';
import { AlbumsService } from './albums.service.ts';
import { AuthService } from './auth.service.ts';
import { AssetProbe } from './asset-probe.ts';
import { DownloadsService } from './downloads.service.ts';
import { ImageCopiesService } from './image-copies.service.ts';
import { ImageDuplicatesService } from './image-duplicates.service.ts';
import { ImageEditorService } from './image-editor.service.ts';
import { ImagePresenter } from './image-presenter.ts';
import { ImageRegistrationService } from './image-registration.service.ts';
import { ImagesService } from './images.service.ts';
import { MoveImagesService } from './move-images.service.ts';
import { NotificationsService } from './notifications.service.ts';
import { OriginalFiles } from './original-files.ts';
import { ShareLinksService } from './share-links.service.ts';
import { StoredMedia } from './stored-media.ts';
import { TagsService } from './tags.service.ts';
import { TrashService } from './trash.service.ts';
import { ThumbnailLinksService } from './thumbnail-links.service.ts';
import { UrlImportsService } from './url-imports.service.ts';
import { UploadedImages } from './uploaded-images.ts';
import { UploadFormService } from './upload-form.ts';
import { ViewerIdentity } from './viewer-identity.ts';
import { WebhooksService } from './webhooks.service.ts';

/** Every service of the API, wired once per process. */
export interface Services {
  auth: AuthService;
  accounts: AccountsService;
  albums: AlbumsService;
  /** Album renames and merges. */
  albumRenames: AlbumRenameService;
  /** The embeddable album page and its view counting. */
  albumPages: AlbumPageService;
  /** Who views an album page, for counting each viewer once per window. */
  viewers: ViewerIdentity;
  images: ImagesService;
  /** Moves of images between albums. */
  moves: MoveImagesService;
  /** The trash: list, restore, purge. */
  trash: TrashService;
  /** The stable thumbnail links (`/images/:id/thumbnails/:type`). */
  thumbnails: ThumbnailLinksService;
  imageEditor: ImageEditorService;
  tags: TagsService;
  registrations: ImageRegistrationService;
  imports: UrlImportsService;
  downloads: DownloadsService;
  shares: ShareLinksService;
  copies: ImageCopiesService;
  duplicates: ImageDuplicatesService;
  notifications: NotificationsService;
  webhooks: WebhooksService;
  presenter: ImagePresenter;
  signer: TokenSigner;
  /** The API's background jobs, for the worker's registry. */
  jobs: { deliverWebhook: DeliverWebhookJob; purgeTrash: PurgeTrashJob };
}

/** What only a full process has (the CLI's one-shot commands go without). */
export interface ServiceOptions {
  /** Where the embedded host stores originals: downloads read them. */
  store?: ObjectStore;
  /** The job queue webhook deliveries go on. */
  jobs: JobQueue;
  /** Called after a job was queued, to wake the in-process worker. */
  onQueued?: () => void;
}

export function createServices(config: Config, db: Db, options: ServiceOptions): Services {
  const repos = repositoriesOver(db.kysely);
  const signer = new TokenSigner(config.secretKeyBase, config.maxTokenLifetimeSeconds);
  const forms = new UploadFormService(config, signer);
  const presenter = new ImagePresenter(config);
  const media = new StoredMedia(config);
  const accounts = new AccountsService(config, repos, signer);
  const webhooks = new WebhooksService(repos, accounts, {
    retryBaseMs: config.webhookRetryBaseMs,
    allowPrivateTargets: config.webhookAllowPrivate,
    jobs: options.jobs,
    onQueued: options.onQueued ?? (() => {}),
  });
  const uploads = new UploadedImages(webhooks, presenter);
  const registrations = new ImageRegistrationService(config, repos, uploads, presenter, new AssetProbe(presenter));
  const albums = new AlbumsService(repos, forms, presenter, webhooks, media);
  const trash = new TrashService(config, repos, albums, presenter, webhooks, media);
  const originals = new OriginalFiles(config, options.store ?? null, presenter);
  const downloads = new DownloadsService(repos, albums, presenter, originals);
  const notifications = new NotificationsService(config, repos, signer, uploads);
  return {
    auth: new AuthService(repos, signer),
    accounts,
    albums,
    albumRenames: new AlbumRenameService(repos, albums, webhooks, media),
    albumPages: new AlbumPageService(repos, albums, presenter),
    viewers: new ViewerIdentity(config.secretKeyBase),
    images: new ImagesService(repos, albums, presenter, webhooks),
    moves: new MoveImagesService(repos, webhooks, media),
    trash,
    thumbnails: new ThumbnailLinksService(repos, presenter),
    imageEditor: new ImageEditorService(repos, presenter, webhooks),
    tags: new TagsService(repos, presenter, webhooks),
    registrations,
    imports: new UrlImportsService(config, repos, forms, registrations),
    downloads,
    shares: new ShareLinksService(config, repos, albums, presenter, downloads),
    copies: new ImageCopiesService(repos, presenter, webhooks, media),
    duplicates: new ImageDuplicatesService(config, repos, forms, originals, uploads, presenter),
    notifications,
    webhooks,
    presenter,
    signer,
    jobs: { deliverWebhook: webhooks.job, purgeTrash: trash.purgeJob },
  };
}
