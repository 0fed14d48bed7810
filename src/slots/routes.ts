import { Type } from 'typebox';
import { sendJsonText } from '../http/json-text.js';
import { errors, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { SlotRequest, SlotService } from './service.js';

/** `format: 'date'` (ajv-formats) refuses impossible dates such as 2026-13-01 or 2026-02-30. */
const DateString = Type.String({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date, YYYY-MM-DD' });
const TimeString = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:00)?$', description: 'Local time, HH:MM' });
const MaxBookings = Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Places per slot (default 1)' }));

export const SlotSchema = Type.Object({
  id: Uuid,
  date: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  starts_at: Type.String({ description: 'ISO-8601 with the business timezone offset' }),
  is_available: Type.Boolean(),
  max_bookings: Type.Integer(),
  current_bookings: Type.Integer(),
  remaining: Type.Integer(),
});

export const PublicSlot = Type.Object({
  id: Uuid,
  date: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  starts_at: Type.String(),
  remaining: Type.Integer(),
});

export const AvailabilityResponse = Type.Object({ slots: Type.Array(PublicSlot) });

const OneSlot = Type.Object(
  { date: DateString, start_time: TimeString, end_time: TimeString, max_bookings: MaxBookings },
  { additionalProperties: false, title: 'One slot' },
);
const Recurring = Type.Object(
  {
    from: DateString,
    to: DateString,
    weekdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true, description: 'ISO weekdays: 1 = Monday … 7 = Sunday' }),
    day_start: TimeString,
    day_end: TimeString,
    slot_minutes: Type.Integer({ minimum: 10, maximum: 720 }),
    max_bookings: MaxBookings,
  },
  { additionalProperties: false, title: 'Recurring slots' },
);

const StaffBooking = Type.Object({
  id: Uuid,
  status: Type.String(),
  service_type: Type.String(),
  add_ons: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.Integer()])),
  duration: Type.Integer(),
  date_time: Type.String(),
  customer: Type.Union([Type.Null(), Type.Object({ id: Uuid, full_name: Type.Union([Type.String(), Type.Null()]), phone: Type.Union([Type.String(), Type.Null()]) })]),
});

export const StaffSlotsResponse = Type.Object({
  timezone: Type.String(),
  slots: Type.Array(Type.Object({ ...SlotSchema.properties, ends_at: Type.String(), bookings: Type.Array(StaffBooking) })),
});

const Created = Type.Object({
  created: Type.Array(SlotSchema),
  skipped: Type.Array(Type.Object({ date: Type.String(), start_time: Type.String(), end_time: Type.String(), problem: Type.String() })),
  existing: Type.Integer(),
});

const security = [{ bearerAuth: [] }];
const IdParams = Type.Object({ id: Uuid });

export function registerSlotRoutes(app: App, slots: SlotService): void {
  app.get(
    '/api/availability',
    {
      config: { access: 'public' },
      schema: {
        tags: ['booking'],
        summary: 'Bookable slots (public)',
        description: 'Future, available, not-full slots past the minimum notice. At most 62 days per request; `to` defaults to from + 6 days.',
        querystring: Type.Object({ from: DateString, to: Type.Optional(DateString) }, { additionalProperties: false }),
        response: { 200: AvailabilityResponse, ...errors(400) },
      },
    },
    async (request, reply) => sendJsonText(reply, await slots.availability(request.caller, request.query.from, request.query.to)),
  );

  app.get(
    '/api/admin/slots',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Every slot of a range of days, with places and bookings (staff)',
        description:
          'Open and closed slots between two local dates (inclusive), each with its places and its live (not cancelled) bookings: who, what, status. At most 62 days per request; `to` defaults to from + 6 days.',
        querystring: Type.Object({ from: DateString, to: Type.Optional(DateString) }, { additionalProperties: false }),
        response: { 200: StaffSlotsResponse, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => sendJsonText(reply, await slots.staffSlots(request.caller, request.query.from, request.query.to)),
  );

  app.post(
    '/api/admin/slots',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Create one slot or a recurring set (idempotent)',
        description:
          'Slots that already exist (same date and start) are left alone. Slots that cannot be created are refused (one slot: 409 slot_overlaps, 422 slot_in_past, 422 for local times a daylight saving change skips or repeats) or skipped and listed with that code (recurring).',
        body: Type.Union([OneSlot, Recurring]),
        response: { 201: Created, 200: Created, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const result = await slots.create(request.caller, request.body as SlotRequest);
      return reply.status(result.created.length > 0 ? 201 : 200).send(result);
    },
  );

  app.patch(
    '/api/admin/slots/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Open or close a slot, or change its capacity',
        params: IdParams,
        body: Type.Object(
          { is_available: Type.Optional(Type.Boolean()), max_bookings: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: SlotSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => slots.update(request.caller, request.params.id, request.body),
  );

  app.delete(
    '/api/admin/slots/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['admin'], security, summary: 'Delete an empty slot', params: IdParams, response: { 204: Type.Null(), ...errors(401, 403, 404, 409) } },
    },
    async (request, reply) => {
      await slots.remove(request.caller, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
