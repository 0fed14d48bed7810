import { Type } from 'typebox';
import { BookingSchema } from '../bookings/schemas.js';
import { LedgerEntry } from '../credits/schemas.js';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import { OrderSchema } from '../orders/schemas.js';
import type { CustomerService } from './service.js';

const CustomerSummary = Type.Object({
  id: Uuid,
  email: Type.String(),
  full_name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  credits: Type.Integer(),
  created_at: Timestamp,
});

const Referral = Type.Object({
  id: Uuid,
  referrer_id: Uuid,
  invitee_email: Type.String(),
  invitee_id: Nullable(Uuid),
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('expired')]),
  reward_credits: Type.Integer(),
  rewarded_at: Nullable(Timestamp),
  created_at: Timestamp,
});

const Review = Type.Object({
  id: Uuid,
  booking_id: Uuid,
  rating: Type.Integer(),
  comment: Nullable(Type.String()),
  is_featured: Nullable(Type.Boolean()),
  created_at: Timestamp,
});

const CustomerDetail = Type.Object({
  profile: Type.Object({
    ...CustomerSummary.properties,
    address: Nullable(Type.Ref('Address')),
    referral_code: Nullable(Type.String()),
  }),
  bookings: Type.Array(BookingSchema),
  orders: Nullable(Type.Array(OrderSchema)), // admins only: null for operators, like the ledger and referrals
  credit_ledger: Nullable(Type.Array(LedgerEntry)),
  referrals: Nullable(Type.Object({ made: Type.Array(Referral), received: Type.Array(Referral) })),
  reviews: Type.Array(Review),
});

const tags = ['admin'];
const security = [{ bearerAuth: [] }];

export function registerCustomerRoutes(app: App, customers: CustomerService): void {
  app.get(
    '/api/admin/customers',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        security,
        summary: 'Find customers by name, surname, email or phone (prefix, case-insensitive); ordered by name',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
            offset: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ customers: Type.Array(CustomerSummary), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => ({ ...(await customers.search(request.caller, request.query)), limit: request.query.limit, offset: request.query.offset }),
  );
  app.get(
    '/api/admin/customers/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        security,
        summary: 'One customer: profile, bookings, orders, credit ledger, referrals made and received, reviews',
        params: Type.Object({ id: Uuid }),
        response: { 200: CustomerDetail, ...errors(401, 403, 404) },
      },
    },
    async (request) => customers.detail(request.caller, request.params.id),
  );
}
