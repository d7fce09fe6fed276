/**
 * Headers on every delivery answer. Delivered bytes come from uploads, so a browser must
 * never sniff them into something else (nosniff), and whatever is not a raster image (error
 * JSON, an SVG, anything a future format lets through) gets a CSP that forbids scripts,
 * plugins and same-origin rights, so that it cannot act under this host's origin. Any origin
 * may read them (CORS), as from res.cloudinary.com.
 *
 * Delivery routes run no hooks (see media-host.ts): each answer sets these itself.
 */
import type { FastifyReply } from 'fastify';

export const NOT_IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** Scriptable image formats count as "not an image" here. */
const RASTER_IMAGE = /^image\/(?!svg)/i;

function isRasterImage(contentType: string): boolean {
  return RASTER_IMAGE.test(contentType);
}

/** The delivery headers as `[name, value, ...]`, for an answer of `contentType`. */
export function deliveryHeaderList(contentType: string): string[] {
  const headers = ['access-control-allow-origin', '*', 'x-content-type-options', 'nosniff'];
  if (!isRasterImage(contentType)) headers.push('content-security-policy', NOT_IMAGE_CSP);
  return headers;
}

/** Sets the delivery headers on `reply`; call once its Content-Type is set. */
export function withDeliveryHeaders(reply: FastifyReply): FastifyReply {
  reply.header('access-control-allow-origin', '*').header('x-content-type-options', 'nosniff');
  if (!isRasterImage(String(reply.getHeader('content-type') ?? ''))) reply.header('content-security-policy', NOT_IMAGE_CSP);
  return reply;
}
