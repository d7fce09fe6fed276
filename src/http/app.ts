/**
 * Builds the HTTP application: the API under /api/v1 (seed headers, token auth, JSON errors),
 * the embedded media host's routes, the health check and the OpenAPI document.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createLogger } from '../logging.ts';
import type { MediaHost } from '../media/media-host.ts';
import type { Platform } from '../platform.ts';
import { authentication } from './plugins/authentication.ts';
import { bodyParsers } from './plugins/body-parsers.ts';
import { clientErrorHandler, frameworkErrors, refuseLongUrls } from './plugins/error-audience.ts';
import { errorHandler, toAppError } from './plugins/error-handler.ts';
import { openapiCollector, openapiPages } from './plugins/openapi.ts';
import { refuseNul } from './plugins/no-nul.ts';
import { requestLog } from './plugins/request-log.ts';
import { seedHeaders } from './plugins/seed-headers.ts';
import { accountRoutes } from './routes/accounts/index.ts';
import { albumRoutes } from './routes/albums/index.ts';
import { receiveNotification } from './routes/cloudinary/receive-notification.ts';
import { downloadRoutes } from './routes/downloads/index.ts';
import { imageRoutes } from './routes/images/index.ts';
import { tagRoutes } from './routes/tags/index.ts';
import { healthRoute } from './routes/health.ts';
import { pageRoutes } from './routes/pages/index.ts';
import { shareRoutes } from './routes/shares/index.ts';
import { trashRoutes } from './routes/trash/index.ts';
import { lazySchemaCompilers } from './lazy-schema-compilers.ts';
import { capConnectionsPerAddress, timeoutOptions } from './server-limits.ts';
import type { Api } from './types.ts';

/** API request bodies are small; uploads go to the media host, which has its own limit. */
export const API_BODY_LIMIT = 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function buildApp({ config, db, services, mediaHost }: Platform): Promise<FastifyInstance> {
  const cloudName = mediaHost ? config.cloudinary.cloudName : null;
  const app = Fastify({
    ...timeoutOptions(config.limits),
    frameworkErrors: frameworkErrors(cloudName, toAppError),
    clientErrorHandler: clientErrorHandler(cloudName),
    loggerInstance: createLogger(config.logLevel) as FastifyBaseLogger,
    // Fastify's own two lines per request give way to request-log.ts's one.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: API_BODY_LIMIT,
    // An incoming well-formed X-Request-Id is echoed; anything else gets a fresh UUID.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && UUID.test(incoming) ? incoming : randomUUID();
    },
    // verbose: a failed check carries its schema, so an unknown key's error can list the allowed ones.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, verbose: true } },
    schemaController: { compilersFactory: lazySchemaCompilers() },
    routerOptions: { maxParamLength: 500 },
  }).withTypeProvider<TypeBoxTypeProvider>();
  capConnectionsPerAddress(app.server, config.limits.maxConnectionsPerAddress);
  if (mediaHost) answerFromMemoryFirst(app.server, mediaHost, app.log);

  app.decorate('services', services);
  app.decorateRequest('startedAt', 0n);
  // The OpenAPI document must see every route, media delivery's included: its collector sits at
  // the root; its pages are served inside the service's scope below.
  await openapiCollector(app, config.publicUrl);
  // Media delivery sits beside the service's scope, not in it: none of the hooks below runs
  // for a derivative (the host sets its own headers, CORS, nosniff, error JSON and 414).
  await mediaHost?.registerDelivery(app);
  await app.register(async (service: Api) => {
    service.addHook('onRequest', async (request) => {
      request.startedAt = process.hrtime.bigint();
    });
    requestLog(service);
    refuseLongUrls(service, cloudName);
    bodyParsers(service);
    refuseNul(service);
    // Also the handler of unknown routes, whatever their path, with the hooks above.
    errorHandler(service, cloudName);
    await openapiPages(service);

    healthRoute(service, db);
    await mediaHost?.register(service);
    await pageRoutes(service, { config, services });
    await service.register(
      async (api: Api) => {
        seedHeaders(api);
        errorHandler(api);
        authentication(api);
        albumRoutes(api);
        imageRoutes(api);
        tagRoutes(api);
        downloadRoutes(api);
        shareRoutes(api);
        trashRoutes(api);
        accountRoutes(api);
        receiveNotification(api);
      },
      { prefix: '/api/v1' },
    );
  });
  return app;
}

/**
 * A hot derivative is answered before Fastify routes anything: its remembered bytes and headers
 * written at once (see media/delivery/verified-urls.ts), at the cost of a bare node:http answer.
 * Every other request goes on to Fastify, as does every request once the server is closing.
 */
function answerFromMemoryFirst(server: Server, mediaHost: MediaHost, log: FastifyBaseLogger): void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) return;
  const [route] = listeners as [RequestListener];
  server.removeListener('request', route);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!server.listening || !mediaHost.answerFromMemory(request, response, log)) route(request, response);
  });
}
