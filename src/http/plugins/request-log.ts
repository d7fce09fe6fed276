/**
 * One log line per request, written when its answer is sent (Fastify's own pair of lines,
 * "incoming request" and "request completed", is turned off in app.ts). Its URL, like every
 * log line, has its tokens and signatures scrubbed (see logging.ts). Below the info level
 * nothing of it is computed.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export function requestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    const log = request.log as unknown as Logger;
    if (log.isLevelEnabled('info')) {
      log.info(
        {
          req: { method: request.method, url: request.url, remoteAddress: request.ip },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });
}
