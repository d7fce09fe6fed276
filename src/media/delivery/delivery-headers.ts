/**
 * Headers on every delivery answer. Delivered bytes come from uploads, so a browser must
 * never sniff them into something else (nosniff), and whatever is not a raster image (error
 * JSON, an SVG, anything a future format lets through) gets a CSP that forbids scripts,
 * plugins and same-origin rights, so that it cannot act under this host's origin.
 */
import type { FastifyInstance } from 'fastify';

export const NOT_IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** Scriptable image formats count as "not an image" here. */
const RASTER_IMAGE = /^image\/(?!svg)/i;

export function deliveryHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (!RASTER_IMAGE.test(String(reply.getHeader('content-type') ?? ''))) {
      reply.header('Content-Security-Policy', NOT_IMAGE_CSP);
    }
    return payload;
  });
}
