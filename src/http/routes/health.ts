import { Type } from 'typebox';
import type { Db } from '../../db/database.ts';
import type { Api } from '../types.ts';

const HealthSchema = Type.Object({ status: Type.String(), database: Type.String() });

/** 200 when the database answers, 503 otherwise. */
export function healthRoute(app: Api, db: Db): void {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'health.get',
        summary: 'Liveness and database reachability: 200 when the database answers, 503 otherwise',
        tags: ['health'],
        security: [],
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      try {
        await db.ping();
        return { status: 'ok', database: db.dialect };
      } catch {
        return reply.status(503).send({ status: 'unavailable', database: db.dialect });
      }
    },
  );
}
