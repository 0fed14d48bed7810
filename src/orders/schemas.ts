import { Type } from 'typebox';
import { CustomerContactSchema } from '../bookings/schemas.js';
import { Nullable, Timestamp, Uuid } from '../http/schemas.js';

// Order shapes, for the routes of every feature that answers with an order or a refund outcome.

export const OrderStatus = Type.Union([Type.Literal('pending'), Type.Literal('paid'), Type.Literal('failed'), Type.Literal('refunded')]);

export const RefundDecision = Type.Union([Type.Literal('card'), Type.Literal('credits'), Type.Literal('none')], {
  description: 'card: back to the card (the part paid in credits as credits); credits: all as credits; none: no refund',
});

/** What happened to the money of a cancelled booking. */
export const CancellationMoneySchema = Type.Object({
  outcome: Type.Union([
    Type.Literal('nothing_paid'),
    Type.Literal('payment_cancelled'),
    Type.Literal('refunded'),
    Type.Literal('kept'),
    Type.Literal('refund_needed'),
  ]),
  refund_to: Nullable(RefundDecision),
  card_cents: Type.Integer({ description: 'Cents refunded to the card now' }),
  credits: Type.Integer({ description: 'Credits given back now' }),
  order_id: Nullable(Uuid),
  order_status: Nullable(OrderStatus),
  message: Type.String(),
});

export const OrderSchema = Type.Object({
  id: Uuid,
  user_id: Uuid,
  status: OrderStatus,
  amount: Type.Integer({ description: 'Cents due by card: service + add-ons + setup fee − credits × 100' }),
  setup_fee_applied: Type.Integer({ description: 'Cents of setup fee in this order (charged once per customer)' }),
  credits_applied: Type.Integer({ description: 'Credits spent (1 credit = 100 cents)' }),
  refunded_cents: Type.Integer(),
  card_refunded_cents: Type.Integer(),
  provider: Nullable(Type.String()),
  bolt_checkout_id: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  staff_flags: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'Staff only (needs_review, amount_mismatch, …); null for customers' })),
  cancellation_refund: Nullable(RefundDecision),
  cancellation_refund_at: Nullable(Timestamp),
  expires_at: Nullable(Timestamp),
  paid_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** Who did something, for staff. */
const StaffPerson = Type.Object({ id: Uuid, full_name: Nullable(Type.String()), email: Type.String() });

/** POST /api/admin/orders/:id/flags/review. */
export const FlagsReviewSchema = Type.Object({
  order_id: Uuid,
  flags: Type.Record(Type.String(), Type.Unknown()),
  reviewed_at: Timestamp,
  reviewed_by: Nullable(StaffPerson),
});

/** An order in GET /api/orders: admins also get whose it is (customers, their own orders: null). */
export const ListedOrderSchema = Type.Object({
  ...OrderSchema.properties,
  flags_reviewed_at: Type.Union([Timestamp, Type.Null()], { description: 'Staff only: when an admin marked the flags reviewed; null while they await review (and for customers)' }),
  customer: Type.Union([StaffPerson, Type.Null()], { description: 'Staff only: whose order it is; null for customers' }),
});

/** GET /api/admin/orders/:id: an order with everything that moved its money (admins). */
export const AdminOrderSchema = Type.Object({
  order: OrderSchema,
  refundable_cents: Type.Integer({ description: 'Cents a refund may still return now (card + credits); 0 unless paid' }),
  card_refundable_cents: Type.Integer({ description: 'Cents of that which may go back to the card' }),
  transaction_reference: Nullable(Type.String({ description: 'The provider’s reference of the card payment' })),
  customer: Nullable(CustomerContactSchema),
  flags_review: Type.Union([Type.Object({ reviewed_at: Timestamp, reviewed_by: Nullable(StaffPerson) }), Type.Null()], {
    description: 'When and by whom the flags were marked reviewed; null while they await review',
  }),
  bookings: Type.Array(
    Type.Object({ id: Uuid, date_time: Timestamp, service_type: Type.String(), status: Type.String(), cancelled_at: Nullable(Timestamp) }),
  ),
  refunds: Type.Array(
    Type.Object({
      id: Uuid,
      amount_cents: Type.Integer(),
      destination: Type.Union([Type.Literal('card'), Type.Literal('credits')]),
      status: Type.Union([Type.Literal('pending'), Type.Literal('completed'), Type.Literal('failed')]),
      provider_refund_id: Nullable(Type.String()),
      provider_refund_reference: Nullable(Type.String()),
      failure_reason: Nullable(Type.String()),
      created_by: Nullable(Uuid),
      created_at: Timestamp,
    }),
  ),
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      provider: Type.String(),
      type: Type.String(),
      outcome: Nullable(Type.String()),
      payload: Type.Unknown(),
      received_at: Timestamp,
    }),
  ),
});
