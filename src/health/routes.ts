import { Type } from 'typebox';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import { errors } from '../http/schemas.js';
import type { App } from '../http/types.js';

export function registerHealthRoutes(app: App, db: Database): void {
  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers',
        response: { 200: Type.Object({ status: Type.Literal('ready') }), ...errors(503) },
      },
    },
    async (request) => {
      try {
        await db.asCaller({ role: 'anon' }, (tx) => tx.query('select 1'));
        return { status: 'ready' as const };
      } catch (err) {
        request.log.warn({ err }, 'database not reachable');
        throw new AppError(503, 'unavailable', 'Database not reachable');
      }
    },
  );
}
