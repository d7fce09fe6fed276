/**
 * Where forms post and where images are served from: the embedded host (this service's
 * PUBLIC_URL) or Cloudinary itself, chosen by MEDIA_HOST. Nothing else in the API cares which.
 */
import type { Config } from '../config.ts';

export interface MediaEndpoints {
  /** `<host>/v1_1/<cloud>/auto/upload`. */
  uploadUrl: string;
  /** Base of delivery URLs; the path `/<cloud>/image/...` follows. */
  deliveryBaseUrl: string;
}

export function mediaEndpoints(config: Config): MediaEndpoints {
  const cloud = config.cloudinary.cloudName;
  if (config.mediaHost === 'cloudinary') {
    return {
      uploadUrl: `https://api.cloudinary.com/v1_1/${cloud}/auto/upload`,
      deliveryBaseUrl: 'https://res.cloudinary.com',
    };
  }
  return { uploadUrl: `${config.publicUrl}/v1_1/${cloud}/auto/upload`, deliveryBaseUrl: config.publicUrl };
}
