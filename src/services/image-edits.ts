/**
 * Rotation and crop, kept as edits of an image and never written into its original: the
 * size they give the image, and the transformation that renders them in front of every
 * derivative. The crop is a rectangle of the upright original (EXIF orientation applied),
 * taken first; the rotation (clockwise) turns what it kept.
 */
import { badRequest } from '../errors/app-error.ts';

export const ROTATIONS = [0, 90, 180, 270] as const;

export interface Crop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The edit-related columns of an image row. */
export interface EditedGeometry {
  original_width: number;
  original_height: number;
  rotation: number;
  crop_x: number | null;
  crop_y: number | null;
  crop_w: number | null;
  crop_h: number | null;
}

/** The image's crop, or null when it shows the whole original. */
export function cropOf(image: EditedGeometry): Crop | null {
  if (image.crop_x === null || image.crop_y === null || image.crop_w === null || image.crop_h === null) return null;
  return { x: image.crop_x, y: image.crop_y, width: image.crop_w, height: image.crop_h };
}

/** A crop that lies within the original, or a 400 saying why not. */
export function validCrop(crop: Crop, image: Pick<EditedGeometry, 'original_width' | 'original_height'>): Crop {
  const { x, y, width, height } = crop;
  if (![x, y, width, height].every((n) => Number.isInteger(n))) throw badRequest('crop x, y, width and height must be integers (pixels)');
  if (x < 0 || y < 0 || width < 1 || height < 1) throw badRequest('crop must have x, y >= 0 and width, height >= 1');
  if (x + width > image.original_width || y + height > image.original_height) {
    throw badRequest(`crop must lie within the original (${image.original_width}x${image.original_height} upright)`);
  }
  return crop;
}

/** The image's width and height once cropped and rotated. */
export function editedSize(image: EditedGeometry): { width: number; height: number } {
  const crop = cropOf(image);
  const width = crop?.width ?? image.original_width;
  const height = crop?.height ?? image.original_height;
  return image.rotation === 90 || image.rotation === 270 ? { width: height, height: width } : { width, height };
}

/** The transformation components rendering the edits ('' for an unedited image). */
export function editTransformation(image: EditedGeometry): string {
  const parts: string[] = [];
  const crop = cropOf(image);
  if (crop) parts.push(`c_crop,h_${crop.height},w_${crop.width},x_${crop.x},y_${crop.y}`);
  if (image.rotation) parts.push(`a_${image.rotation}`);
  return parts.join('/');
}
