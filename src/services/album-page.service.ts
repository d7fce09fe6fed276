/**
 * The album page (`GET /albums/:id?token=`), the embeddable view of an album: what it shows,
 * who may see it, and counting its views. Each page view counts once per viewer and
 * VIEW_WINDOW_MS; API reads never count (only this service increments `views_count`).
 */
import { type Actor, can, imageOrderFor, requireAccess } from '../auth/permissions.ts';
import type { ImageRow } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { AlbumsService } from './albums.service.ts';
import { editTransformation } from './image-edits.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import type { Viewer } from './viewer-identity.ts';

/** A reload (or another page of the album) within this window does not count again. */
export const VIEW_WINDOW_MS = 30 * 60 * 1000;
/** Images per page of the album page. */
export const ALBUM_PAGE_SIZE = 60;
/**
 * Share of counted views that also forget the album's expired view rows. Rows older than the
 * window behave as absent, so pruning only bounds the table's size; doing it on every view
 * would scan the album's rows each time.
 */
const PRUNE_SHARE = 1 / 50;

/** The screen densities the grid's `srcset` serves. */
const GRID_DPRS = [1, 2, 3] as const;

/**
 * The grid's derivative at `dpr`: rows are drawn about 100 to 300 CSS px high, so at most
 * 320 px high (and 2560 wide, for panoramas), never enlarged; Cloudinary's `dpr_` multiplies
 * both for denser screens.
 */
const gridTransformation = (dpr: number) => `c_limit,dpr_${dpr.toFixed(1)},h_320,w_2560`;

/**
 * `fl_attachment:<name>`: delivered as a download named after the uploaded file (the host adds
 * the extension). The name keeps only characters that cannot end a transformation parameter
 * (`,` `/`) or separate flags (`.`).
 */
function attachmentFlag(filename: string | null): string {
  const stem = (filename ?? '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^\w-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
  return stem ? `fl_attachment:${stem}` : 'fl_attachment';
}

/**
 * The day a photo belongs to (YYYY-MM-DD): the date of its capture time as the camera
 * recorded it (its local day), else the UTC day it was uploaded.
 */
function dayOf(image: Pick<ImageJson, 'taken_at' | 'created_at'>): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(image.taken_at ?? '')?.[0] ?? new Date(image.created_at).toISOString().slice(0, 10);
}

/** A photo of the album page. */
export interface AlbumPhoto {
  image: ImageJson;
  /** Signed grid derivatives of the image as edited, per screen density (1x first). */
  srcset: Array<{ density: number; url: string }>;
  /**
   * A signed delivery URL that downloads the original as uploaded; null without the
   * `image_download` ability.
   */
  download: string | null;
  /** See dayOf(). */
  day: string;
}

/** What the album page shows. */
export interface AlbumPage {
  albumId: string;
  imagesCount: number;
  /** Including this view when it counted. */
  viewsCount: number;
  /** This page of photos in the album's order (the token's Sort, else newest first); null when the token may not list images. */
  photos: AlbumPhoto[] | null;
  page: number;
  pageCount: number;
  /** True when this request counted as a new view. */
  counted: boolean;
}

export interface AlbumPageOptions {
  /** The clock, for tests. */
  now?: () => Date;
  /** Overrides VIEW_WINDOW_MS. */
  windowMs?: number;
  /** Overrides PRUNE_SHARE (0..1). */
  pruneShare?: number;
}

export class AlbumPageService {
  private readonly now: () => Date;
  private readonly windowMs: number;
  private readonly pruneShare: number;

  constructor(
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly presenter: ImagePresenter,
    options: AlbumPageOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.windowMs = options.windowMs ?? VIEW_WINDOW_MS;
    this.pruneShare = options.pruneShare ?? PRUNE_SHARE;
  }

  /**
   * One view of the album's page: 404 for an album not in the actor's organization, 403
   * without `see`; the images need `image_list` too (without it the page shows none).
   * `count: false` shows the page without counting (a browser's prefetch).
   */
  async view(
    actor: Actor,
    albumPublicId: string,
    viewer: Viewer,
    { page = 1, count = true }: { page?: number; count?: boolean } = {},
  ): Promise<AlbumPage> {
    const album = await this.albums.find(actor, albumPublicId);
    requireAccess(actor, 'albums.get', { album: [album.public_id] });
    const mayList = can(actor, 'images.list', { album: [album.public_id] });
    const mayDownload = can(actor, 'images.download', { album: [album.public_id] });
    const pageCount = Math.max(1, Math.ceil(album.images_count / ALBUM_PAGE_SIZE));
    // With the album's count, the pages a reader scrolls to past the middle are read from the end.
    const rows = mayList
      ? await this.repos.images.listPage(actor.organizationId, album.id, ALBUM_PAGE_SIZE, (page - 1) * ALBUM_PAGE_SIZE, {
          sort: imageOrderFor(actor, album.public_id) ?? undefined,
          total: album.images_count,
        })
      : null;
    const counted = count && (await this.countView(album.organization_id, album.id, viewer));
    return {
      albumId: album.public_id,
      imagesCount: album.images_count,
      viewsCount: album.views_count + (counted ? 1 : 0),
      photos: rows ? rows.map((row) => this.photo(row, album.public_id, mayDownload)) : null,
      page,
      pageCount,
      counted,
    };
  }

  /**
   * A photo with its grid derivatives and download, signed as the image JSON's URLs are.
   * The download is the host's own delivery of the original (`fl_attachment`), not the API's
   * download route: that route needs a token, which the page must not carry in its markup,
   * while a signed URL grants this one file and nothing else.
   */
  private photo(row: ImageRow, albumPublicId: string, mayDownload: boolean): AlbumPhoto {
    const image = this.presenter.present(row, albumPublicId);
    const edits = editTransformation(row);
    return {
      image,
      srcset: GRID_DPRS.map((density) => ({
        density,
        url: this.presenter.transformedUrl(row, [edits, gridTransformation(density)].filter(Boolean).join('/')),
      })),
      download: mayDownload ? this.presenter.transformedUrl(row, attachmentFlag(row.filename)) : null,
      day: dayOf(image),
    };
  }

  /**
   * Counts the view unless this viewer's last counted view of the album is within the window.
   * The claim and the increment commit together, and the claim is one conditional upsert, so
   * concurrent requests (any process) for the same viewer count once.
   */
  private async countView(organizationId: string, albumId: string, viewer: Viewer): Promise<boolean> {
    const now = this.now();
    const nowIso = now.toISOString();
    const cutoff = new Date(now.getTime() - this.windowMs).toISOString();
    const counted = await this.repos.transaction(async (repos) => {
      const claimed = await repos.albumViews.claim(organizationId, albumId, viewer.lookupKey, nowIso, cutoff);
      // A freshly issued cookie is recorded either way: the reload that brings it back must
      // find it, whether or not this view counted.
      for (const key of viewer.alsoRecord) await repos.albumViews.claim(organizationId, albumId, key, nowIso, cutoff);
      if (claimed) await repos.albums.incrementViews(organizationId, albumId);
      return claimed;
    });
    if (counted && Math.random() < this.pruneShare) {
      await this.repos.albumViews.pruneBefore(organizationId, albumId, cutoff);
    }
    return counted;
  }
}
