/**
 * Baselines for delivery: the same bytes and headers a cached derivative is answered with,
 * sent from memory by a bare `node:http` server (MODE=bare) or by a minimal Fastify server
 * (MODE=fastify: one wildcard GET route, no hooks, no logger: the framework's floor). Run as
 * its own process by `startBytesServer()`; PORT, BODY_FILE and HEADERS (JSON, `[name, value]`
 * pairs) come from the environment.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Fastify from 'fastify';

const port = Number(process.env.PORT);
const body = readFileSync(process.env.BODY_FILE!);
const pairs = JSON.parse(process.env.HEADERS ?? '[]') as Array<[string, string]>;

if (process.env.MODE === 'fastify') {
  const headers = Object.fromEntries(pairs);
  const app = Fastify({ logger: false });
  app.get('/*', (_request, reply) => {
    reply.headers(headers).send(body);
  });
  await app.listen({ port, host: '127.0.0.1' });
} else {
  const flat = [...pairs.flat(), 'Content-Length', String(body.length)];
  // A GET has no body to wait for: the answer goes at once, the least node:http can do.
  createServer((_request, response) => {
    response.writeHead(200, flat);
    response.end(body);
  }).listen(port, '127.0.0.1');
}

process.on('SIGTERM', () => process.exit(0));
