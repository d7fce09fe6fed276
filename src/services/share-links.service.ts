/**
 * Share links (ability `Share`): a public URL showing chosen images of an album (or all of
 * them) to anyone holding it, without an API token, optionally behind a password, until it
 * expires or is revoked.
 *
 * The page never hands out the media host's delivery URLs, which are signed for good and
 * would outlive the link. Its images and downloads are URLs of this service, signed for the
 * link and expiring SHARE_URL_TTL_SECONDS (rounded up to URL_WINDOW_SECONDS, so a page
 * reloaded meanwhile reuses them and the browser's cache); each request checks the link in
 * the database again. So once a link is revoked or expired, its page and every URL it handed
 * out answer 404 at once; only a browser that already holds an image may show its own copy
 * for up to SHARE_IMAGE_MAX_AGE_SECONDS more (the images' Cache-Control).
 */
import { createHmac, randomBytes, scrypt } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import type { Config } from '../config.ts';
import { safeEqual } from '../crypto/safe-equal.ts';
import { AppError, badRequest, notFound } from '../errors/app-error.ts';
import type { Repositories } from '../repositories/index.ts';
import type { Share } from '../repositories/shares.repository.ts';
import type { AlbumsService } from './albums.service.ts';
import type { DownloadBody, DownloadsService } from './downloads.service.ts';
import { editTransformation } from './image-edits.ts';
import type { ImagePresenter } from './image-presenter.ts';

/** Least lifetime of the image and download URLs a share page hands out. */
export const SHARE_URL_TTL_SECONDS = 10 * 60;
/** Expiry times are rounded up to this, so the URLs stay the same for a while. */
const URL_WINDOW_SECONDS = 5 * 60;
/** How long a browser may reuse an image it loaded from a share page. */
export const SHARE_IMAGE_MAX_AGE_SECONDS = 60;
/** How long a correct password opens a link in that browser. */
export const SHARE_ACCESS_SECONDS = 12 * 60 * 60;
/** Images per page of the share page. */
export const SHARE_PAGE_SIZE = 60;
/** Most images one link may select. */
export const MAX_SHARED_IMAGES = 10_000;

/** The sizes a share page shows (the original only downloads, when allowed). */
export const SHARED_SIZES = ['full', 'large', 'mini'] as const;
export type SharedSize = (typeof SHARED_SIZES)[number];

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** A share link as the API shows it. */
export interface ShareJson {
  id: string;
  url: string;
  album_id: string;
  /** The selected images; null when the link shows the whole album. */
  image_ids: string[] | null;
  expires_at: string | null;
  expired: boolean;
  allow_download: boolean;
  password_protected: boolean;
  views_count: number;
  created_at: string;
}

export interface CreateShareInput {
  imageIds?: string[];
  expiresAt?: string;
  allowDownload: boolean;
  password?: string;
}

/** One image of a share page: what to call it and where its files are. */
export interface SharedImage {
  id: string;
  caption: string;
  color: string | null;
  mini: string;
  large: string;
  full: string;
  /** Null unless the link allows downloads. */
  download: string | null;
}

/** What a share page shows. */
export interface SharePage {
  albumId: string;
  imagesCount: number;
  viewsCount: number;
  images: SharedImage[];
  page: number;
  pageCount: number;
  /** The ZIP of everything shown; null unless the link allows downloads. */
  downloadAll: string | null;
}

/** A signed, expiring URL's proof: `exp` (unix seconds) and `sig`. */
export interface UrlProof {
  exp: number;
  sig: string;
}

export class ShareLinksService {
  private readonly key: Buffer;

  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly presenter: ImagePresenter,
    private readonly downloads: DownloadsService,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = createHmac('sha256', config.secretKeyBase).update('share links v1').digest();
  }

  /** `POST /albums/:id/shares`. */
  async create(actor: Actor, albumPublicId: string, input: CreateShareInput): Promise<ShareJson> {
    const album = await this.albums.find(actor, albumPublicId);
    requireAccess(actor, 'albums.share', { album: [album.public_id] });
    const expiresAt = input.expiresAt === undefined ? null : this.futureDate(input.expiresAt);
    const imageIds = input.imageIds === undefined ? null : [...new Set(input.imageIds)];
    if (imageIds && !imageIds.length) throw badRequest('image_ids is empty');
    if (imageIds && imageIds.length > MAX_SHARED_IMAGES) throw badRequest(`image_ids names more than ${MAX_SHARED_IMAGES} images`);
    if (input.password !== undefined && !input.password) throw badRequest('password is empty');
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const share = await this.repos.transaction(async (repos) => {
      if (imageIds) {
        const found = await repos.albumFiles.findLive(album.organization_id, album.id, imageIds);
        if (found.length !== imageIds.length) throw notFound(`${imageIds.length - found.length} of the images in this album`);
      }
      return repos.shares.create(
        album.organization_id,
        {
          id: randomBytes(16).toString('base64url'),
          organization_id: album.organization_id,
          album_id: album.id,
          selected: imageIds ? 1 : 0,
          expires_at: expiresAt,
          allow_download: input.allowDownload ? 1 : 0,
          password_hash: passwordHash,
          user_id: actor.userId,
          secret_id: actor.secretId,
          created_at: this.now().toISOString(),
        },
        imageIds ?? [],
      );
    });
    return this.present(share, album.public_id, imageIds ? [...imageIds].sort() : null);
  }

  /** `GET /albums/:id/shares`: every link of the album, expired ones included, newest first. */
  async list(actor: Actor, albumPublicId: string): Promise<ShareJson[]> {
    const album = await this.albums.find(actor, albumPublicId);
    requireAccess(actor, 'albums.share', { album: [album.public_id] });
    const shares = await this.repos.shares.listByAlbum(actor.organizationId, album.id);
    const selections = await this.repos.shares.selections(actor.organizationId, shares.filter((s) => s.selected).map((s) => s.id));
    return shares.map((share) => this.present(share, album.public_id, share.selected ? selections.get(share.id)! : null));
  }

  /** `DELETE /shares/:id`: the link is gone at once (404 for a link of another organization). */
  async revoke(actor: Actor, id: string): Promise<void> {
    const share = await this.repos.shares.find(actor.organizationId, id);
    if (!share) throw notFound('Share link');
    const album = await this.repos.albums.findById(actor.organizationId, share.album_id);
    if (!album) throw notFound('Share link');
    requireAccess(actor, 'albums.share', { album: [album.public_id] });
    await this.repos.shares.delete(actor.organizationId, id);
  }

  /** The link a visitor holds, or 404 when it does not exist (any more) or has expired. */
  async open(id: string): Promise<Share> {
    const share = await this.repos.shares.findPublic(id);
    if (!share || this.isExpired(share)) throw notFound('Share link');
    return share;
  }

  /** True when the link needs a password and `access` (the cookie set on entering it) does not prove it. */
  locked(share: Share, access: string | undefined): boolean {
    if (share.password_hash === null) return false;
    if (!access) return true;
    const [exp, sig] = access.split('.');
    if (!exp || !sig || Number(exp) * 1000 < this.now().getTime()) return true;
    return !safeEqual(sig, this.sign(['access', share.id, share.password_hash, exp]));
  }

  /** The cookie value proving the password, or null when it is wrong. */
  async unlock(share: Share, password: string): Promise<string | null> {
    if (share.password_hash === null) return null;
    if (!(await verifyPassword(password, share.password_hash))) return null;
    const exp = String(Math.floor(this.now().getTime() / 1000) + SHARE_ACCESS_SECONDS);
    return `${exp}.${this.sign(['access', share.id, share.password_hash, exp])}`;
  }

  /** One page of the link's images, counting a view when `count`. */
  async page(share: Share, page: number, count: boolean): Promise<SharePage> {
    const album = await this.repos.albums.findById(share.organization_id, share.album_id);
    if (!album) throw notFound('Share link');
    const [rows, total] = await Promise.all([
      this.repos.shares.imagesPage(share.organization_id, share, SHARE_PAGE_SIZE, (page - 1) * SHARE_PAGE_SIZE),
      this.repos.shares.countImages(share.organization_id, share),
    ]);
    if (count) await this.repos.shares.incrementViews(share.organization_id, share.id);
    const base = `/shares/${share.id}`;
    return {
      albumId: album.public_id,
      imagesCount: total,
      viewsCount: share.views_count + (count ? 1 : 0),
      page,
      pageCount: Math.max(1, Math.ceil(total / SHARE_PAGE_SIZE)),
      images: rows.map((row, i) => {
        const url = (what: string) => this.signedUrl(`${base}/images/${row.id}/${what}`, [share.id, row.id, what]);
        return {
          id: row.id,
          caption: row.title?.trim() || row.filename?.trim() || `Photo ${(page - 1) * SHARE_PAGE_SIZE + i + 1}`,
          color: row.color,
          mini: url('mini'),
          large: url('large'),
          full: url('full'),
          download: share.allow_download ? url('download') : null,
        };
      }),
      downloadAll: share.allow_download ? this.signedUrl(`${base}/download.zip`, [share.id, '', 'zip']) : null,
    };
  }

  /** A shown image's derivative, streamed from the media host; 404 unless the URL and the link are valid. */
  async image(id: string, imageId: string, size: SharedSize, proof: UrlProof): Promise<{ contentType: string; body: Readable }> {
    const share = await this.checked(id, [id, imageId, size], proof);
    const image = await this.repos.shares.image(share.organization_id, share, imageId);
    if (!image) throw notFound('Image');
    const response = await fetch(this.presenter.url(image, size, editTransformation(image)));
    if (!response.ok || !response.body) throw response.status === 404 ? notFound('Image') : new AppError('internal', `The media host answered ${response.status}`);
    return {
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: Readable.fromWeb(response.body as ReadableStream),
    };
  }

  /** A shown image's original, when the link allows downloads. */
  async downloadImage(id: string, imageId: string, proof: UrlProof): Promise<DownloadBody> {
    const share = await this.checked(id, [id, imageId, 'download'], proof);
    if (!share.allow_download) throw notFound('Download');
    const image = await this.repos.shares.image(share.organization_id, share, imageId);
    if (!image) throw notFound('Image');
    return this.downloads.imageFile(image, 'original');
  }

  /** The ZIP of everything the link shows, when it allows downloads. */
  async downloadAll(id: string, proof: UrlProof): Promise<DownloadBody> {
    const share = await this.checked(id, [id, '', 'zip'], proof);
    if (!share.allow_download) throw notFound('Download');
    const album = await this.repos.albums.findById(share.organization_id, share.album_id);
    if (!album) throw notFound('Share link');
    return this.downloads.archive(album, await this.repos.shares.allImages(share.organization_id, share));
  }

  /** The link, when the URL's proof is valid and unexpired and the link still is. */
  private async checked(id: string, parts: string[], proof: UrlProof): Promise<Share> {
    const fresh = Number.isSafeInteger(proof.exp) && proof.exp * 1000 >= this.now().getTime();
    if (!fresh || !safeEqual(proof.sig, this.sign([...parts, String(proof.exp)]))) throw notFound('Share link');
    return this.open(id);
  }

  private signedUrl(path: string, parts: string[]): string {
    const now = Math.floor(this.now().getTime() / 1000);
    const exp = Math.ceil((now + SHARE_URL_TTL_SECONDS) / URL_WINDOW_SECONDS) * URL_WINDOW_SECONDS;
    return `${path}?${new URLSearchParams({ exp: String(exp), sig: this.sign([...parts, String(exp)]) })}`;
  }

  private sign(parts: string[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('base64url').slice(0, 32);
  }

  private isExpired(share: Share): boolean {
    return share.expires_at !== null && share.expires_at <= this.now().toISOString();
  }

  private futureDate(value: string): string {
    const time = Date.parse(value);
    if (Number.isNaN(time)) throw badRequest('expires_at is not a date (ISO 8601, e.g. 2030-01-31T12:00:00Z)');
    if (time <= this.now().getTime()) throw new AppError('unprocessable', 'expires_at is in the past');
    return new Date(time).toISOString();
  }

  private present(share: Share, albumPublicId: string, imageIds: string[] | null): ShareJson {
    return {
      id: share.id,
      url: `${this.config.publicUrl}/shares/${share.id}`,
      album_id: albumPublicId,
      image_ids: imageIds,
      expires_at: share.expires_at,
      expired: this.isExpired(share),
      allow_download: share.allow_download === 1,
      password_protected: share.password_hash !== null,
      views_count: share.views_count,
      created_at: share.created_at,
    };
  }
}

/** `scrypt:<salt>:<hash>`, base64url. */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  const candidate = await scryptAsync(password, Buffer.from(salt, 'base64url'), 32);
  return safeEqual(candidate.toString('base64url'), hash);
}
