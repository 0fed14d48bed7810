import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { errors } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { PaymentWebhooks } from './service.js';

/** POST /api/webhooks/bolt: the body stays raw bytes here, for the signature. */
export async function registerWebhookRoutes(app: App, webhooks: PaymentWebhooks): Promise<void> {
  await app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(
      '/api/webhooks/bolt',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'Bolt transaction webhooks',
          description: 'Signed with X-Bolt-Hmac-Sha256 (or X-Bolt-Hmac-Sha256-Pending during key rotation) over the raw body. Replays and unknown types are 200 no-ops.',
          response: { 200: Type.Object({ status: Type.String(), outcome: Type.Optional(Type.String()) }), ...errors(400, 401, 413) },
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return webhooks.handle(raw, request.headers['x-bolt-hmac-sha256'], request.headers['x-bolt-hmac-sha256-pending']);
      },
    );
  });
}
