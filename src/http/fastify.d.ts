import 'fastify';
import type { Authenticated } from '../services/auth.service.ts';
import type { Services } from '../services/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
  interface FastifyRequest {
    /** Set for every non-public API route before its handler runs. */
    auth: Authenticated | null;
    /** The body as received, for signatures computed over its exact bytes. */
    rawBody?: string;
    /** process.hrtime.bigint() when the request arrived, for X-Runtime. */
    startedAt: bigint;
  }
  interface FastifyContextConfig {
    /** The route checks its own credentials (the notification receiver). */
    public?: boolean;
  }
}
