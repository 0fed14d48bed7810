import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.js';

// Booking shapes, for the routes of every feature that answers with bookings.

export const BookingStatus = Type.Union([Type.Literal('scheduled'), Type.Literal('confirmed'), Type.Literal('completed'), Type.Literal('cancelled')]);

export const CustomerContactSchema = Type.Object({ id: Uuid, full_name: Nullable(Type.String()), email: Type.String(), phone: Nullable(Type.String()) });

export const BookingSchema = Type.Object({
  id: Uuid,
  user_id: Uuid,
  order_id: Nullable(Uuid),
  slot_id: Nullable(Uuid),
  date_time: Timestamp,
  duration: Type.Integer({ description: 'Minutes' }),
  service_type: Type.String(),
  add_ons: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.Integer()])),
  status: BookingStatus,
  notes: Nullable(Type.String()),
  address: Type.Ref('Address'),
  total_amount: Nullable(Type.Integer({ description: 'Cents: service plus add-ons' })),
  cancelled_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  customer: Type.Optional(Nullable(CustomerContactSchema)),
});
