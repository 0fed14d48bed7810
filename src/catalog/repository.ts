import type { Caller, Database, Queryable } from '../db/index.js';

export interface Service {
  key: string;
  name: string;
  description: string;
  duration_minutes: number;
  price_cents: number;
  active: boolean;
  sort_order: number;
}

export interface AddOn {
  key: string;
  name: string;
  description: string;
  /** Per unit when `per_unit` (a count, e.g. extra_visits), else for the add-on. */
  price_cents: number;
  per_unit: boolean;
  max_quantity: number;
  extra_minutes: number;
  active: boolean;
  sort_order: number;
}

export interface Settings {
  timezone: string;
  min_notice_minutes: number;
  cancellation_window_minutes: number;
  service_area_zips: string[];
  setup_fee_cents: number;
  referral_reward_credits: number;
  order_expiry_minutes: number;
  /** Where a customer's own cancellation of a paid booking is refunded. */
  cancellation_refund_to: 'card' | 'credits';
  /** When a referral pays its reward: the invitee's first paid order, or at sign-up. */
  referral_reward_on: 'first_paid_booking' | 'signup';
  /** Google's "write a review" page (https), offered after every review; null = none. */
  google_review_url: string | null;
  /** When reminders go out: minutes before the session, one reminder each. */
  reminder_offsets_minutes: number[];
  /** Minutes after a booking is completed that its review request goes out. */
  review_request_delay_minutes: number;
  /** The business as every message names it. */
  business_name: string;
  /** As customers dial it; null = not shown. */
  business_phone: string | null;
  /** One line; null = not shown. */
  business_address: string | null;
}

const serviceColumns = 'key, name, description, duration_minutes, price_cents, active, sort_order';
const addOnColumns = 'key, name, description, price_cents, per_unit, max_quantity, extra_minutes, active, sort_order';
const settingsColumns =
  'timezone, min_notice_minutes, cancellation_window_minutes, service_area_zips, setup_fee_cents, referral_reward_credits, order_expiry_minutes, ' +
  'cancellation_refund_to, referral_reward_on, google_review_url, reminder_offsets_minutes, review_request_delay_minutes, ' +
  'business_name, business_phone, business_address';

/**
 * The catalog as the response body {"services", "add_ons"}, built by the database in one call
 * (api.catalog). Under RLS: active items for everyone, inactive ones too for admins; `adminView`
 * refuses callers below admin (403).
 */
export function catalogJson(db: Database, caller: Caller, adminView: boolean): Promise<string> {
  return db.callText(caller, 'api.catalog', [adminView]);
}

/** The business settings as the response body, in one call (api.business_settings; admins, else 403). */
export function settingsJson(db: Database, caller: Caller): Promise<string> {
  return db.callText(caller, 'api.business_settings');
}

/** What every visitor may know of the business (GET /api/business), as the response body (api.business_profile). */
export function businessProfileJson(db: Database, caller: Caller): Promise<string> {
  return db.callText(caller, 'api.business_profile');
}

/** Under RLS: active items for everyone, inactive ones too for admins. */
export async function listServices(tx: Queryable): Promise<Service[]> {
  return (await tx.query<Service>(`select ${serviceColumns} from public.services order by sort_order, key`)).rows;
}

export async function listAddOns(tx: Queryable): Promise<AddOn[]> {
  return (await tx.query<AddOn>(`select ${addOnColumns} from public.add_ons order by sort_order, key`)).rows;
}

export async function upsertService(tx: Queryable, s: Service): Promise<void> {
  await tx.query(
    `insert into public.services (${serviceColumns}) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (key) do update set name = excluded.name, description = excluded.description,
       duration_minutes = excluded.duration_minutes, price_cents = excluded.price_cents,
       active = excluded.active, sort_order = excluded.sort_order`,
    [s.key, s.name, s.description, s.duration_minutes, s.price_cents, s.active, s.sort_order],
  );
}

export async function upsertAddOn(tx: Queryable, a: AddOn): Promise<void> {
  await tx.query(
    `insert into public.add_ons (${addOnColumns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (key) do update set name = excluded.name, description = excluded.description,
       price_cents = excluded.price_cents, per_unit = excluded.per_unit, max_quantity = excluded.max_quantity,
       extra_minutes = excluded.extra_minutes, active = excluded.active, sort_order = excluded.sort_order`,
    [a.key, a.name, a.description, a.price_cents, a.per_unit, a.max_quantity, a.extra_minutes, a.active, a.sort_order],
  );
}

/** Items left out of a catalog replacement stop being offered (bookings keep their history). */
export async function deactivateServicesExcept(tx: Queryable, keys: string[]): Promise<void> {
  await tx.query('update public.services set active = false where active and key <> all($1::text[])', [keys]);
}

export async function deactivateAddOnsExcept(tx: Queryable, keys: string[]): Promise<void> {
  await tx.query('update public.add_ons set active = false where active and key <> all($1::text[])', [keys]);
}

export async function getSettings(tx: Queryable): Promise<Settings> {
  const { rows } = await tx.query<Settings>(`select ${settingsColumns} from public.business_settings where id`);
  return rows[0]!;
}

export async function updateSettings(tx: Queryable, changes: Partial<Settings>): Promise<Settings> {
  const { rows } = await tx.query<Settings>(
    `update public.business_settings set
       timezone = coalesce($1, timezone),
       min_notice_minutes = coalesce($2, min_notice_minutes),
       cancellation_window_minutes = coalesce($3, cancellation_window_minutes),
       service_area_zips = coalesce($4, service_area_zips),
       setup_fee_cents = coalesce($5, setup_fee_cents),
       referral_reward_credits = coalesce($6, referral_reward_credits),
       order_expiry_minutes = coalesce($7, order_expiry_minutes),
       cancellation_refund_to = coalesce($8, cancellation_refund_to),
       referral_reward_on = coalesce($9, referral_reward_on),
       google_review_url = case when $10 then $11 else google_review_url end,
       reminder_offsets_minutes = coalesce($12::integer[], reminder_offsets_minutes),
       review_request_delay_minutes = coalesce($13, review_request_delay_minutes),
       business_name = coalesce($14, business_name),
       business_phone = case when $15 then $16 else business_phone end,
       business_address = case when $17 then $18 else business_address end
     where id
     returning ${settingsColumns}`,
    [
      changes.timezone ?? null,
      changes.min_notice_minutes ?? null,
      changes.cancellation_window_minutes ?? null,
      changes.service_area_zips ?? null,
      changes.setup_fee_cents ?? null,
      changes.referral_reward_credits ?? null,
      changes.order_expiry_minutes ?? null,
      changes.cancellation_refund_to ?? null,
      changes.referral_reward_on ?? null,
      // null clears it: only an absent field keeps it.
      changes.google_review_url !== undefined,
      changes.google_review_url ?? null,
      changes.reminder_offsets_minutes ?? null,
      changes.review_request_delay_minutes ?? null,
      changes.business_name ?? null,
      changes.business_phone !== undefined,
      changes.business_phone ?? null,
      changes.business_address !== undefined,
      changes.business_address ?? null,
    ],
  );
  return rows[0]!;
}
