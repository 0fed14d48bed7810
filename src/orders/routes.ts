import { Type } from 'typebox';
import { CustomerContactSchema } from '../bookings/schemas.js';
import { sendJsonText } from '../http/json-text.js';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import { AdminOrderSchema, CancellationMoneySchema, FlagsReviewSchema, ListedOrderSchema, OrderSchema, OrderStatus, RefundDecision } from './schemas.js';
import type { OrderService } from './service.js';

const security = [{ bearerAuth: [] }];
const IdParams = Type.Object({ id: Uuid });

export function registerOrderRoutes(app: App, orders: OrderService): void {
  app.get(
    '/api/orders',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['payments'],
        security,
        summary: 'My orders (admins: everyone’s)',
        querystring: Type.Object(
          {
            status: Type.Optional(OrderStatus),
            customer: Type.Optional(Uuid),
            flagged: Type.Optional(Type.Boolean({ description: 'Admins: only orders whose staff flags await review' })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ orders: Type.Array(ListedOrderSchema), total: Type.Integer() }), ...errors(400, 401) },
      },
    },
    async (request, reply) => sendJsonText(reply, await orders.list(request.caller, request.query)),
  );
  app.get(
    '/api/orders/:id',
    { config: { access: 'signed_in' }, schema: { tags: ['payments'], security, summary: 'One order', params: IdParams, response: { 200: Type.Object({ order: OrderSchema }), ...errors(401, 404) } } },
    async (request) => ({ order: await orders.get(request.caller, request.params.id) }),
  );
  app.get(
    '/api/admin/orders/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'One order for staff: its customer, bookings, what is still refundable, refunds and payment webhook events',
        params: IdParams,
        response: { 200: AdminOrderSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => sendJsonText(reply, await orders.adminDetail(request.caller, request.params.id)),
  );
  app.post(
    '/api/admin/orders/:id/flags/review',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Mark an order’s staff flags reviewed',
        description: 'The flags stay as the record; the order leaves the Today page’s list. New flags on the order make it need review again. 409 not_flagged without flags.',
        params: IdParams,
        response: { 200: FlagsReviewSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => sendJsonText(reply, await orders.reviewFlags(request.caller, request.params.id)),
  );
  app.get(
    '/api/admin/refunds/needed',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Paid orders whose bookings are all cancelled, not fully refunded, with no refund decision (oldest first)',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                order: OrderSchema,
                refundable_cents: Type.Integer(),
                card_refundable_cents: Type.Integer(),
                reason: Nullable(Type.String({ description: 'staff_decision_needed, payment_provider_unavailable, …' })),
                customer: Nullable(CustomerContactSchema),
                bookings: Type.Array(Type.Object({ id: Uuid, date_time: Timestamp, service_type: Type.String(), cancelled_at: Nullable(Timestamp) })),
              }),
            ),
            total: Type.Integer(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => orders.refundsNeeded(request.caller, request.query),
  );
  app.post(
    '/api/admin/orders/:id/cancellation-refund',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Decide the refund of a paid order whose bookings are all cancelled',
        description: 'Refunds all that is left (card: the card part to the card, the credits part as credits), or records "none". Once per order.',
        params: IdParams,
        body: Type.Object({ refund: RefundDecision }, { additionalProperties: false }),
        response: { 200: Type.Object({ order: OrderSchema, money: CancellationMoneySchema }), ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => orders.decideCancellationRefund(request.caller, request.params.id, request.body.refund),
  );
  app.post(
    '/api/admin/orders/:id/refund',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Refund an order, partly or fully, to the card or to credits',
        description: 'Never more than was paid in total. To credits: whole dollars, one `refunded` ledger row. Default amount: all that is left.',
        params: IdParams,
        body: Type.Object(
          { amount_cents: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })), to: Type.Union([Type.Literal('card'), Type.Literal('credits')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ order: OrderSchema }), ...errors(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request) => ({ order: await orders.refund(request.caller, request.params.id, request.body) }),
  );
}
