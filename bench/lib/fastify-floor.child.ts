/**
 * The floor under the API: a minimal Fastify server (no logger, no hooks, one route) that
 * answers every path with the bare server's JSON and the seed's response headers in the
 * seed's order (a fresh UUID request id and an X-Runtime per reply, as the API writes them).
 * What the service costs beyond this is its own work, not the framework's or the headers'.
 * Run as its own process by `startFastifyFloor()`; PORT comes from the environment.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { rawSeedHeaders } from '../../src/http/plugins/seed-headers.ts';
import { ALBUM_LIKE_BODY } from './album-like-body.ts';

// The service's own seed block, built once; per reply only the request id and X-Runtime
// change (a spread keeps every name in the block's order).
const SEED = Object.fromEntries(rawSeedHeaders(''));

const app = Fastify({ logger: false, genReqId: () => randomUUID() });
app.all('/*', (request, reply) => {
  const started = process.hrtime.bigint();
  const runtime = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(6);
  reply.headers({ ...SEED, 'x-request-id': request.id, 'x-runtime': runtime }).send(ALBUM_LIKE_BODY);
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });

process.on('SIGTERM', () => process.exit(0));
