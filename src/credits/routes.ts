import { Type } from '@fastify/type-provider-typebox';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { CreditService } from './service.js';

const LedgerEntry = Type.Object({
  id: Uuid,
  amount: Type.Integer({ description: 'Credits; positive in, negative out' }),
  type: Type.Union([Type.Literal('earned'), Type.Literal('spent'), Type.Literal('refunded'), Type.Literal('adjustment')]),
  description: Type.String(),
  reference_id: Nullable(Uuid),
  created_at: Timestamp,
});

export function registerCreditRoutes(app: App, credits: CreditService): void {
  app.get(
    '/api/me/credits',
    {
      schema: {
        tags: ['profile'],
        security: [{ bearerAuth: [] }],
        summary: 'My credit balance and ledger, newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ balance: Type.Integer(), transactions: Type.Array(LedgerEntry) }), ...errors(400, 401) },
      },
    },
    async (request) => credits.mine(request.caller, request.query.limit),
  );
}
