import { Type } from 'typebox';
import { errors, Nullable, Uuid } from '../http/schemas.js';
import { sendJsonText } from '../http/json-text.js';
import { contentResponse } from '../http/openapi.js';
import type { App } from '../http/types.js';
import { CancellationMoneySchema, OrderSchema, RefundDecision } from '../orders/schemas.js';
import { bookingCalendar } from './ics.js';
import { BookingSchema, BookingStatus } from './schemas.js';
import type { BookingRequest, BookingService } from './service.js';

const BookingBody = Type.Object(
  {
    slot_id: Uuid,
    service_type: Type.String({ minLength: 1, maxLength: 40 }),
    add_ons: Type.Optional(
      Type.Record(Type.String({ maxLength: 40 }), Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 100 })]), {
        maxProperties: 20,
        description: 'e.g. {"family": true, "extra_visits": 2}',
      }),
    ),
    address: Type.Optional(Type.Ref('Address')),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
    use_credits: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Literal('all')], { description: 'Credits to spend (1 credit = $1), or "all"' }),
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    status: Type.Optional(BookingStatus),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    customer: Type.Optional(Uuid),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Uuid });
const tags = ['booking'];
const security = [{ bearerAuth: [] }];
const BookingResponse = Type.Object({ booking: BookingSchema });

export function registerBookingRoutes(app: App, bookings: BookingService, publicUrl: string): void {
  app.post(
    '/api/bookings',
    {
      config: { access: 'signed_in' },
      schema: {
        tags,
        security,
        summary: 'Book a session in a slot',
        description:
          'The price comes from the catalog; the order adds the setup fee (first order) and subtracts credits. Refusals: 409 slot_full, already_booked, slot_unavailable; 422 too_late, outside_service_area, address_required; 400 for unknown services or add-ons.',
        body: BookingBody,
        response: {
          201: Type.Object({
            booking: BookingSchema,
            order: OrderSchema,
            checkout: Nullable(Type.Object({ provider: Type.String(), url: Type.String() }), ),
          }),
          ...errors(400, 401, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await bookings.create(request.caller, request.body as BookingRequest)),
  );

  app.get(
    '/api/bookings',
    {
      config: { access: 'signed_in' },
      schema: {
        tags,
        security,
        summary: 'My bookings (staff: everyone’s, with filters)',
        querystring: ListQuery,
        response: { 200: Type.Object({ bookings: Type.Array(BookingSchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }), ...errors(400, 401) },
      },
    },
    async (request, reply) => sendJsonText(reply, await bookings.list(request.caller, request.query)),
  );

  app.get(
    '/api/bookings/:id',
    { config: { access: 'signed_in' }, schema: { tags, security, summary: 'One booking', params: IdParams, response: { 200: BookingResponse, ...errors(401, 404) } } },
    async (request) => ({ booking: await bookings.get(request.caller, request.params.id) }),
  );

  app.post(
    '/api/bookings/:id/cancel',
    {
      config: { access: 'signed_in' },
      schema: {
        tags,
        security,
        summary: 'Cancel a booking (customers: before the cancellation window); the response says what happened to the money',
        description:
          'A customer’s cancel of a paid booking is refunded automatically (settings.cancellation_refund_to). Admins cancelling a paid booking must say `refund`: card, credits or none (422 refund_decision_required). Operators may not refund: the order goes to GET /api/admin/refunds/needed, as it does when the card refund cannot be made right now.',
        params: IdParams,
        body: Type.Object({ refund: Type.Optional(RefundDecision) }, { additionalProperties: false }),
        response: { 200: Type.Object({ booking: BookingSchema, money: CancellationMoneySchema }), ...errors(400, 401, 403, 404, 409, 422) },
      },
      // The body is optional: no body is `{}`.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => bookings.cancel(request.caller, request.params.id, request.body.refund),
  );

  app.post(
    '/api/bookings/:id/reschedule',
    {
      config: { access: 'signed_in' },
      schema: {
        tags,
        security,
        summary: 'Move a booking to another slot (atomic)',
        params: IdParams,
        body: Type.Object({ slot_id: Uuid }, { additionalProperties: false }),
        response: { 200: BookingResponse, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => ({ booking: await bookings.reschedule(request.caller, request.params.id, request.body.slot_id) }),
  );

  app.get(
    '/api/bookings/:id/calendar.ics',
    {
      config: { access: 'signed_in' },
      schema: {
        tags,
        security,
        summary: 'The session as an iCalendar event',
        params: IdParams,
        response: { 200: contentResponse('text/calendar', 'The iCalendar file'), ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const booking = await bookings.get(request.caller, request.params.id);
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="recovery-machine-${booking.id}.ics"`)
        .send(bookingCalendar(booking, publicUrl));
    },
  );

  for (const [action, status] of [['confirm', 'confirmed'], ['complete', 'completed']] as const) {
    app.post(
      `/api/admin/bookings/:id/${action}`,
      {
        config: { access: 'operator' },
        schema: {
          tags: ['admin'],
          security,
          summary: action === 'confirm' ? 'Confirm a scheduled booking' : 'Mark a confirmed session completed (after its start)',
          params: IdParams,
          response: { 200: BookingResponse, ...errors(401, 403, 404, 409) },
        },
      },
      async (request) => ({ booking: await bookings.transition(request.caller, request.params.id, status) }),
    );
  }
}
