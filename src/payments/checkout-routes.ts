import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../http/schemas.js';
import { contentResponse } from '../http/openapi.js';
import type { App } from '../http/types.js';
import type { FakeCheckout } from './checkout.js';

const Params = Type.Object({ checkoutId: Type.String({ pattern: '^fake_chk_[0-9a-f]{32}$' }) });

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem;border-radius:.4rem;border:1px solid #888;cursor:pointer}
.approve{background:#146c43;color:#fff}.note{color:#666;font-size:.85rem}</style></head><body>${body}</body></html>`;
}

/** Browsers post forms; scripts post JSON or nothing. Both get the same decision. */
const wantsHtml = (request: FastifyRequest) => (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

export async function registerFakeCheckoutRoutes(app: App, checkout: FakeCheckout): Promise<void> {
  await app.register(async (scope: FastifyInstance) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_r, _b, done) => done(null, {}));

    scope.get<{ Params: { checkoutId: string } }>(
      '/checkout/fake/:checkoutId',
      { schema: { tags: ['payments'], summary: 'The offline checkout page (PAYMENTS_PROVIDER=fake)', description: '410 checkout_expired once the order has expired.', params: Params, response: { 200: contentResponse('text/html', 'The checkout page'), ...errors(410) } } },
      async (request, reply) => {
        const order = await checkout.openOrder(request.params.checkoutId);
        const base = `/checkout/fake/${request.params.checkoutId}`;
        const body =
          order.status === 'pending'
            ? `<h1>Recovery Machine checkout</h1><p>Amount due: <strong>${dollars(order.amount)}</strong></p>
<form method="post" action="${base}/approve" style="display:inline"><button class="approve" type="submit">Approve</button></form>
<form method="post" action="${base}/decline" style="display:inline"><button type="submit">Decline</button></form>
<p class="note">Test checkout: no card is charged. Approve or Decline sends the webhook Bolt would send.</p>`
            : `<h1>Recovery Machine checkout</h1><p>This order is <strong>${escape(order.status)}</strong>.</p><p><a href="/account/bookings">Back to my bookings</a></p>`;
        return reply.type('text/html; charset=utf-8').send(page('Checkout', body));
      },
    );

    for (const decision of ['approve', 'decline'] as const) {
      scope.post<{ Params: { checkoutId: string } }>(
        `/checkout/fake/:checkoutId/${decision}`,
        {
          schema: {
            tags: ['payments'],
            summary: decision === 'approve' ? 'Approve the fake payment' : 'Decline the fake payment',
            params: Params,
            response: {
              200: {
                description: 'JSON, or a page for a form post',
                content: {
                  'application/json': { schema: Type.Object({ order_id: Type.String(), status: Type.String() }) },
                  'text/html': { schema: Type.String() },
                },
              },
              ...errors(404, 409, 410),
            },
          },
        },
        async (request: FastifyRequest<{ Params: { checkoutId: string } }>, reply: FastifyReply) => {
          const order = await checkout.decide(request.params.checkoutId, decision);
          if (wantsHtml(request)) {
            return reply.type('text/html; charset=utf-8').send(page('Checkout', `<h1>Payment ${decision === 'approve' ? 'approved' : 'declined'}</h1><p>Your order is <strong>${escape(order.status)}</strong>.</p><p><a href="/account/bookings">Back to my bookings</a></p>`));
          }
          return { order_id: order.id, status: order.status };
        },
      );
    }
  });
}

/** The Bolt checkout page: hands the Bolt order token to Bolt's own checkout script. */
export function registerBoltCheckoutRoutes(app: App, settings: { publishableKey: string; apiUrl: string }): void {
  const connect = settings.apiUrl.includes('sandbox') ? 'https://connect-sandbox.bolt.com' : 'https://connect.bolt.com';
  app.get(
    '/checkout/bolt/:token',
    {
      schema: {
        tags: ['payments'],
        summary: 'The Bolt checkout page (PAYMENTS_PROVIDER=bolt)',
        params: Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_-]{8,200}$' }) }),
        response: { 200: contentResponse('text/html', 'The checkout page') },
      },
    },
    async (request, reply) => {
      const token = escape(request.params.token);
      const body = `<h1>Recovery Machine checkout</h1><div data-tid="instant-bolt-checkout-button"><object data="${connect}/v1/checkout_button?publishable_key=${escape(settings.publishableKey)}"></object></div>
<script id="bolt-connect" src="${connect}/connect.js" data-publishable-key="${escape(settings.publishableKey)}"></script>
<script>BoltCheckout.configure({ orderToken: "${token}" }, {}, {});</script>`;
      return reply
        .header('content-security-policy', `default-src 'self' ${connect} https://*.bolt.com; script-src 'self' 'unsafe-inline' ${connect}; frame-src https://*.bolt.com; object-src ${connect}`)
        .type('text/html; charset=utf-8')
        .send(page('Checkout', body));
    },
  );
}
