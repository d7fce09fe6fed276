/**
 * The image JSON, field names as the original service used them, with named signed URLs
 * (`original`, `full` limited to 1920, `large` fill 200, `mini` fill 100) pointing at the
 * media host that holds the file.
 */
import type { Config } from '../config.ts';
import { buildDeliveryUrl } from '../media/delivery/delivery-url.ts';
import type { ImageRow } from '../repositories/images.repository.ts';
import type { TagLabels } from '../auth/abilities.ts';
import { type EditedGeometry, editTransformation } from './image-edits.ts';
import { mediaEndpoints } from './media-endpoints.ts';

/** A tag of an image, with its labels per language. */
export interface ImageTag {
  name: string;
  labels: TagLabels;
}

/** Named derivatives of every image, as transformation strings. */
export const THUMBNAIL_TRANSFORMATIONS = {
  original: '',
  full: 'c_limit,h_1920,w_1920',
  large: 'c_fill,g_auto,h_200,w_200',
  mini: 'c_fill,g_auto,h_100,w_100',
} as const;

export type ThumbnailName = keyof typeof THUMBNAIL_TRANSFORMATIONS;

/** How many originals' URLs each process remembers. */
const REMEMBERED_URLS = 50_000;

export interface ImageJson {
  id: string;
  public_id: string;
  album_id: string;
  infos: unknown;
  exifs: Record<string, unknown>;
  gps: [number, number] | null;
  taken_at: string | null;
  width: number;
  height: number;
  original_width: number;
  original_height: number;
  format: string;
  size: number;
  color: string | null;
  colors: unknown;
  faces: unknown;
  phash: string | null;
  tags: ImageTag[];
  filename: string | null;
  title: string | null;
  description: string | null;
  rotation: number;
  crop_x: number | null;
  crop_y: number | null;
  crop_w: number | null;
  crop_h: number | null;
  metadatas: Record<string, unknown>;
  original_url: string;
  thumbnails: Record<ThumbnailName, string>;
  processed: boolean;
  processing_error: string | null;
  created_at: string;
  updated_at: string;
}

export class ImagePresenter {
  private readonly baseUrl: string;

  private readonly remembered = new Map<string, Record<ThumbnailName, string>>();

  constructor(private readonly config: Config) {
    this.baseUrl = mediaEndpoints(config).deliveryBaseUrl;
  }

  /**
   * The signed URL of one named derivative of an image: of the image as edited (crop,
   * rotation) when `edits` are given; `original` is always the file as uploaded.
   */
  url(image: Pick<ImageRow, 'public_id' | 'version' | 'format' | 'type'>, name: ThumbnailName, edits = ''): string {
    return this.transformedUrl(image, name === 'original' ? '' : [edits, THUMBNAIL_TRANSFORMATIONS[name]].filter(Boolean).join('/'));
  }

  /** The signed URL of an image under any transformation, e.g. its edits alone (a full-size edited rendition). */
  transformedUrl(image: Pick<ImageRow, 'public_id' | 'version' | 'format' | 'type'>, transformation: string): string {
    return buildDeliveryUrl({
      baseUrl: this.baseUrl,
      cloud: this.config.cloudinary.cloudName,
      type: image.type,
      transformation,
      version: image.version,
      publicId: image.public_id,
      ext: image.format,
      apiSecret: this.config.cloudinary.apiSecret,
      sign: true,
    });
  }

  /**
   * The four named URLs of an image. They depend only on the original (type, public_id,
   * version, format) and the edits, never change, and cost a hash each, so they are
   * remembered: a list page shows hundreds of them.
   */
  thumbnails(image: Pick<ImageRow, 'public_id' | 'version' | 'format' | 'type'> & EditedGeometry): Record<ThumbnailName, string> {
    const edits = editTransformation(image);
    const key = `${image.type}/${image.version}/${image.format}/${edits}/${image.public_id}`;
    let urls = this.remembered.get(key);
    if (!urls) {
      urls = {
        original: this.url(image, 'original'),
        full: this.url(image, 'full', edits),
        large: this.url(image, 'large', edits),
        mini: this.url(image, 'mini', edits),
      };
      if (this.remembered.size >= REMEMBERED_URLS) this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(key, urls);
    }
    return urls;
  }

  present(image: ImageRow, albumPublicId: string): ImageJson {
    const thumbnails = this.thumbnails(image);
    return {
      id: image.id,
      public_id: image.public_id,
      album_id: albumPublicId,
      infos: JSON.parse(image.infos),
      exifs: JSON.parse(image.exifs),
      gps: image.gps_lat !== null && image.gps_lng !== null ? [image.gps_lat, image.gps_lng] : null,
      taken_at: image.taken_at,
      width: image.width,
      height: image.height,
      original_width: image.original_width,
      original_height: image.original_height,
      format: image.format,
      size: image.size,
      color: image.color,
      colors: JSON.parse(image.colors),
      faces: JSON.parse(image.faces),
      phash: image.phash,
      tags: JSON.parse(image.tags),
      filename: image.filename,
      title: image.title,
      description: image.description,
      rotation: image.rotation,
      crop_x: image.crop_x,
      crop_y: image.crop_y,
      crop_w: image.crop_w,
      crop_h: image.crop_h,
      metadatas: JSON.parse(image.metadatas),
      original_url: thumbnails.original,
      thumbnails,
      processed: image.processed === 1,
      processing_error: image.processing_error,
      created_at: image.created_at,
      updated_at: image.updated_at,
    };
  }
}
