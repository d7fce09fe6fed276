/**
 * The floor under the API: a minimal Fastify server (no logger, no hooks, one route) that
 * answers every path with the bare server's JSON and the seed's response headers in the
 * seed's order (a fresh UUID request id and an X-Runtime per reply, as the API writes them).
 * What the service costs beyond this is its own work, not the framework's or the headers'.
 * Run as its own process by `startFastifyFloor()`; PORT comes from the environment.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

// The bare server's body (bare-server.child.ts), so the two differ by the framework and the headers only.
const BODY = JSON.stringify({
  id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  public_id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  images_count: 0,
  views_count: 0,
  upload_form: null,
  organization_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  thumbnails: [],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  note: 'bare node:http baseline',
});

const BEFORE_REQUEST_ID = {
  'cache-control': 'no-cache, no-store',
  pragma: 'no-cache',
  expires: 'Fri, 01 Jan 1990 00:00:00 GMT',
  'content-type': 'application/json; charset=utf-8',
  vary: 'Accept-Encoding',
  p3p: 'CP="NOI ADM DEV PSAi COM NAV OUR OTRo STP IND DEM"',
};

const AFTER_RUNTIME = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'x-xss-protection': '1; mode=block',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'referrer-policy': 'origin-when-cross-origin, strict-origin-when-cross-origin',
};

const app = Fastify({ logger: false, genReqId: () => randomUUID() });
app.all('/*', (request, reply) => {
  const started = process.hrtime.bigint();
  reply
    .headers(BEFORE_REQUEST_ID)
    .header('x-request-id', request.id)
    .header('x-runtime', (Number(process.hrtime.bigint() - started) / 1e9).toFixed(6))
    .headers(AFTER_RUNTIME)
    .send(BODY);
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });

process.on('SIGTERM', () => process.exit(0));
