/**
 * One log line per request, written when its answer is sent (Fastify's own pair of lines,
 * "incoming request" and "request completed", is turned off in app.ts). Its URL, like every
 * log line, has its tokens and signatures scrubbed (see logging.ts). Below the info level
 * nothing of it is computed.
 */
import type { FastifyInstance } from 'fastify';
import { logRequest, logsEachRequest } from '../../logging.ts';

export function requestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    if (logsEachRequest(request.log)) {
      logRequest(request.log, { method: request.method, url: request.url, remoteAddress: request.ip }, reply.statusCode, reply.elapsedTime);
    }
    done();
  });
}
