import { Type } from 'typebox';
import { sendJsonText } from '../http/json-text.js';
import { errors, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import { LedgerEntry } from './schemas.js';
import type { CreditService } from './service.js';

export function registerCreditRoutes(app: App, credits: CreditService): void {
  app.get(
    '/api/me/credits',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['profile'],
        security: [{ bearerAuth: [] }],
        summary: 'My credit balance and ledger, newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ balance: Type.Integer(), transactions: Type.Array(LedgerEntry) }), ...errors(400, 401) },
      },
    },
    async (request, reply) => sendJsonText(reply, await credits.mine(request.caller, request.query.limit)),
  );

  app.post(
    '/api/admin/customers/:id/credits',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'Adjust a customer’s credits (admins; positive or negative)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            amount: Type.Integer({ minimum: -100_000, maximum: 100_000, description: 'Credits, not 0; 1 credit = $1' }),
            description: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ transaction: LedgerEntry, balance: Type.Integer() }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await credits.adjust(request.caller, request.params.id, request.body.amount, request.body.description.trim())),
  );
}
