import { Type } from 'typebox';
import { sendJsonText } from '../http/json-text.js';
import { errors, Nullable } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { CatalogService } from './service.js';

const Key = Type.String({ pattern: '^[a-z][a-z0-9_]{1,39}$' });
const Cents = Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Cents' });

const ServiceSchema = Type.Object(
  {
    key: Key,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.String({ maxLength: 2000, default: '' }),
    duration_minutes: Type.Integer({ minimum: 5, maximum: 600 }),
    price_cents: Cents,
    active: Type.Boolean({ default: true }),
    sort_order: Type.Integer({ minimum: -1000, maximum: 1000, default: 0 }),
  },
  { additionalProperties: false },
);

const AddOnSchema = Type.Object(
  {
    key: Key,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.String({ maxLength: 2000, default: '' }),
    price_cents: Cents,
    per_unit: Type.Boolean({ default: false, description: 'A count (price per unit) rather than on/off' }),
    max_quantity: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
    extra_minutes: Type.Integer({ minimum: 0, maximum: 600, default: 0 }),
    active: Type.Boolean({ default: true }),
    sort_order: Type.Integer({ minimum: -1000, maximum: 1000, default: 0 }),
  },
  { additionalProperties: false },
);

export const CatalogSchema = Type.Object(
  { services: Type.Array(ServiceSchema, { maxItems: 50 }), add_ons: Type.Array(AddOnSchema, { maxItems: 50 }) },
  { additionalProperties: false },
);

const BusinessProfile = Type.Object({
  business_name: Type.String(),
  business_phone: Nullable(Type.String()),
  business_address: Nullable(Type.String()),
  timezone: Type.String({ description: 'IANA time zone every time is shown in' }),
  service_area_zips: Type.Array(Type.String(), { description: 'Zip codes served; empty = anywhere' }),
  setup_fee_cents: Type.Integer({ description: 'Added to a customer\'s first booking' }),
  referral_reward_credits: Type.Integer({ description: 'Credits a referrer earns (1 credit = $1)' }),
  referral_reward_on: Type.Union([Type.Literal('first_paid_booking'), Type.Literal('signup')], {
    description: 'When both sides of a referral get their credits: the friend\'s first paid booking, or their sign-up',
  }),
  min_notice_minutes: Type.Integer(),
  cancellation_window_minutes: Type.Integer({ description: 'Customers cancel or move at least this long before the session' }),
  google_review_url: Nullable(Type.String()),
});

const SettingsSchema = Type.Object({
  timezone: Type.String({ description: 'IANA time zone of slot dates and times' }),
  min_notice_minutes: Type.Integer({ minimum: 0, maximum: 43200 }),
  cancellation_window_minutes: Type.Integer({ minimum: 0, maximum: 43200, description: 'Customers cancel or move at least this long before; later needs staff' }),
  service_area_zips: Type.Array(Type.String({ pattern: '^[0-9]{5}$' }), { maxItems: 5000, description: 'Empty = anywhere' }),
  setup_fee_cents: Cents,
  referral_reward_credits: Type.Integer({ minimum: 0, maximum: 10000 }),
  order_expiry_minutes: Type.Integer({ minimum: 1, maximum: 10080 }),
  cancellation_refund_to: Type.Union([Type.Literal('card'), Type.Literal('credits')], {
    description: 'Where a customer’s own cancellation of a paid booking is refunded (the part paid in credits always goes back as credits)',
  }),
  referral_reward_on: Type.Union([Type.Literal('first_paid_booking'), Type.Literal('signup')], {
    description: 'When both sides of a referral are credited: the invitee’s first paid booking, or at sign-up',
  }),
  google_review_url: Nullable(
    Type.String({
      maxLength: 2000,
      pattern: '^https://[^/\\s?#]+\\.[^/\\s?#]+([/?#]\\S*)?$',
      description: 'Google’s "write a review" page (https), offered after every review through GET /r/google/:id; null = none',
    }),
  ),
  reminder_offsets_minutes: Type.Array(Type.Integer({ minimum: 1, maximum: 10080 }), {
    maxItems: 10,
    uniqueItems: true,
    description: 'A reminder (email, and text to customers who opted in) this many minutes before each session; [] = none. Bookings decided earlier keep theirs.',
  }),
  review_request_delay_minutes: Type.Integer({ minimum: 0, maximum: 10080, description: 'The review request goes out this long after a session is completed' }),
  business_name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'The business as every message names it (one line)' }),
  business_phone: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^[+0-9 ()./-]+$',
      description: 'As customers dial it, shown in every message: ten digits, or + and the country code (else 422 invalid_phone); null = not shown',
    }),
  ),
  business_address: Nullable(Type.String({ minLength: 1, maxLength: 300, pattern: '\\S', description: 'One line, shown in every message; null = not shown' })),
});

const SettingsPatch = Type.Partial(
  Type.Object({
    ...SettingsSchema.properties,
    timezone: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_+/-]+$',
      description: 'An IANA zone name (Area/Location, e.g. America/Los_Angeles) or UTC. POSIX offsets (+5, EST5EDT, Etc/GMT+5) and aliases (US/Pacific) are 422 invalid_timezone. Slots keep their local times; 409 slot_overlaps if two would then overlap.',
    }),
  }),
  { additionalProperties: false, minProperties: 1 },
);

const security = [{ bearerAuth: [] }];

export function registerCatalogRoutes(app: App, catalog: CatalogService): void {
  app.get(
    '/api/services',
    { config: { access: 'public' }, schema: { tags: ['catalog'], summary: 'Services and add-ons on offer, with prices in cents', response: { 200: CatalogSchema } } },
    async (request, reply) => sendJsonText(reply, await catalog.catalog(request.caller)),
  );
  app.get(
    '/api/business',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'The business: name and contact, time zone, service area, setup fee, referral reward, notice and cancellation windows',
        response: { 200: BusinessProfile },
      },
    },
    async (request, reply) => sendJsonText(reply, await catalog.businessProfile(request.caller)),
  );
  app.get(
    '/api/admin/catalog',
    { config: { access: 'admin' }, schema: { tags: ['admin'], security, summary: 'The whole catalog, inactive items included', response: { 200: CatalogSchema, ...errors(401, 403) } } },
    async (request, reply) => sendJsonText(reply, await catalog.adminCatalog(request.caller)),
  );
  app.put(
    '/api/admin/catalog',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Replace the catalog',
        description: 'Given items are created or updated; items left out are deactivated (past bookings keep them).',
        body: CatalogSchema,
        response: { 200: CatalogSchema, ...errors(400, 401, 403) },
      },
    },
    async (request) => catalog.replaceCatalog(request.caller, request.body as Parameters<CatalogService['replaceCatalog']>[1]),
  );
  app.get(
    '/api/admin/settings',
    { config: { access: 'admin' }, schema: { tags: ['admin'], security, summary: 'Business settings', response: { 200: SettingsSchema, ...errors(401, 403) } } },
    async (request, reply) => sendJsonText(reply, await catalog.settings(request.caller)),
  );
  app.put(
    '/api/admin/settings',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Change business settings (only the fields given)',
        body: SettingsPatch,
        response: { 200: SettingsSchema, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request) => catalog.updateSettings(request.caller, request.body),
  );
}
