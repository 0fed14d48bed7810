import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { AccessTokens } from '../../src/auth/tokens.js';
import { integrityChecks, runIntegrityCheck } from '../../src/maintenance/repository.js';
import { FakeProvider } from '../../src/payments/fake.js';
import { signBody } from '../../src/payments/signature.js';
import { ADDRESS, bearer, uniqueEmail, type TestApp } from '../helpers/app.js';
import { makeSlot as makeDbSlot, servicePrices, signUpUser } from '../helpers/factories.js';

export type Service = 'cold_plunge' | 'infrared_sauna' | 'combo';

/** The catalog's service prices and the setup fee (cents), read from this app's database. */
export async function readPrices(t: TestApp): Promise<{ PRICE: Record<Service, number>; SETUP_FEE: number }> {
  const prices = await servicePrices(t.db);
  const { rows } = await t.db.query<{ setup_fee_cents: number }>('select setup_fee_cents from public.business_settings');
  return {
    PRICE: { cold_plunge: prices.cold_plunge!, infrared_sauna: prices.infrared_sauna!, combo: prices.combo! },
    SETUP_FEE: rows[0]!.setup_fee_cents,
  };
}
export const REWARD = 50;

export interface Customer {
  id: string;
  email: string;
  token: string;
}

export interface OrderRow {
  id: string;
  user_id: string;
  status: 'pending' | 'paid' | 'failed' | 'refunded';
  amount: number;
  setup_fee_applied: number;
  credits_applied: number;
  refunded_cents: number;
  card_refunded_cents: number;
  bolt_checkout_id: string | null;
  provider: string | null;
  metadata: Record<string, unknown>;
  /** order_flags.flags (staff only), or null. */
  staff_flags: Record<string, unknown> | null;
  paid_at: Date | null;
}

export interface LedgerRow {
  amount: number;
  type: 'earned' | 'spent' | 'refunded' | 'adjustment';
  reference_id: string | null;
  created_by: string | null;
  description: string;
}

const tokensByApp = new WeakMap<TestApp, AccessTokens>();

/**
 * A customer made directly in the database through the same function sign-up uses
 * (create_auth_user, so the profile trigger and referral acceptance run), with a signed
 * access token. Skips the deliberately slow password hash of the API sign-up.
 */
export async function makeCustomer(t: TestApp, fields: { email?: string; referral_code?: string } = {}): Promise<Customer> {
  const user = await signUpUser(t.db, { email: fields.email ?? uniqueEmail('money'), referral_code: fields.referral_code });
  let tokens = tokensByApp.get(t);
  if (!tokens) {
    tokens = new AccessTokens({ secret: t.config.jwtSecret, accessTokenTtl: 3600 });
    tokensByApp.set(t, tokens);
  }
  return { id: user.id, email: user.email, token: await tokens.sign(user, randomUUID()) };
}

let slotCounter = 0;
/**
 * A fresh hour-long slot (every service fits) at a time no other slot of this database uses:
 * 3+ days ahead, 06:00–20:00, slots never overlap. Made by the shared slot factory.
 */
export async function makeSlot(t: TestApp, maxBookings = 1): Promise<string> {
  const k = slotCounter++;
  const day = 3 + Math.floor(k / 14);
  const minutes = 6 * 60 + (k % 14) * 60;
  const start = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const endMinutes = minutes + 60;
  const end = `${String(Math.floor(endMinutes / 60)).padStart(2, '0')}:${String(endMinutes % 60).padStart(2, '0')}`;
  const slot = await makeDbSlot(t.db, { daysAhead: day, start_time: start, end_time: end, max_bookings: maxBookings });
  return slot.id;
}

export function book(
  t: TestApp,
  user: { token: string },
  payload: { slot_id: string; service_type?: string; use_credits?: number | 'all'; add_ons?: Record<string, unknown> },
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/api/bookings',
    headers: bearer(user.token),
    payload: { service_type: 'cold_plunge', address: ADDRESS, ...payload },
  });
}

/** Books and expects 201; returns the response body. */
export async function booked(
  t: TestApp,
  user: { token: string },
  payload: Parameters<typeof book>[2],
): Promise<{ booking: { id: string; status: string; slot_id: string; order_id: string }; order: OrderRow; checkout: { provider: string; url: string } | null }> {
  const res = await book(t, user, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Approve or decline at the fake checkout (what the page's buttons post). */
export function decide(t: TestApp, checkoutUrl: string, decision: 'approve' | 'decline'): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: `${new URL(checkoutUrl).pathname}/${decision}` });
}

export function refund(t: TestApp, admin: { token: string }, orderId: string, body: { amount_cents?: number; to: 'card' | 'credits' }) {
  return t.app.inject({ method: 'POST', url: `/api/admin/orders/${orderId}/refund`, headers: bearer(admin.token), payload: body });
}

export function adjust(t: TestApp, staff: { token: string }, customerId: string, amount: number, description = 'Goodwill') {
  return t.app.inject({ method: 'POST', url: `/api/admin/customers/${customerId}/credits`, headers: bearer(staff.token), payload: { amount, description } });
}

/** Gives a customer credits through an admin adjustment. */
export async function grant(t: TestApp, admin: { token: string }, customerId: string, amount: number): Promise<void> {
  const res = await adjust(t, admin, customerId, amount, 'Test credits');
  expect(res.statusCode, res.body).toBe(201);
}

export async function orderRow(t: TestApp, id: string): Promise<OrderRow> {
  const { rows } = await t.db.query<OrderRow>(
    `select id, user_id, status::text as status, amount, setup_fee_applied, credits_applied, refunded_cents, card_refunded_cents,
            bolt_checkout_id, provider, metadata, paid_at,
            (select f.flags from public.order_flags f where f.order_id = orders.id) as staff_flags
       from public.orders where id = $1`,
    [id],
  );
  expect(rows[0], `order ${id}`).toBeDefined();
  return rows[0]!;
}

export async function bookingStatus(t: TestApp, id: string): Promise<string> {
  const { rows } = await t.db.query<{ status: string }>('select status::text as status from public.bookings where id = $1', [id]);
  return rows[0]!.status;
}

export async function slotCount(t: TestApp, id: string): Promise<number> {
  const { rows } = await t.db.query<{ current_bookings: number }>('select current_bookings from public.availability_slots where id = $1', [id]);
  return rows[0]!.current_bookings;
}

/** The customer's ledger, oldest first (ties broken by type, so rows written together compare stably). */
export async function ledger(t: TestApp, userId: string): Promise<LedgerRow[]> {
  const { rows } = await t.db.query<LedgerRow>(
    `select amount, type::text as type, reference_id, created_by, description from public.credit_transactions
      where user_id = $1 order by created_at, type, amount`,
    [userId],
  );
  return rows;
}

export async function balance(t: TestApp, userId: string): Promise<number> {
  const { rows } = await t.db.query<{ credits: number }>('select credits from public.profiles where id = $1', [userId]);
  return rows[0]!.credits;
}

/** Ledger rows that reference one order, as `type:amount` strings sorted. */
export async function orderLedger(t: TestApp, orderId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ type: string; amount: number }>(
    'select type::text as type, amount from public.credit_transactions where reference_id = $1',
    [orderId],
  );
  return rows.map((r) => `${r.type}:${r.amount}`).sort();
}

export async function paymentEvents(t: TestApp, orderId: string): Promise<{ id: string; type: string; outcome: string | null }[]> {
  const { rows } = await t.db.query<{ id: string; type: string; outcome: string | null }>(
    'select id, type, outcome from public.payment_events where order_id = $1 order by received_at, id',
    [orderId],
  );
  return rows;
}

/** Waits until the payment event with this id has been processed (the fake's refund webhook comes later). */
export async function waitForEvent(t: TestApp, id: string, timeoutMs = 5000): Promise<{ outcome: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await t.db.query<{ outcome: string | null }>('select outcome from public.payment_events where id = $1', [id]);
    if (rows[0]?.outcome) return rows[0];
    if (Date.now() > deadline) throw new Error(`payment event ${id} never arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Bolt's credit webhook for one of our own card refunds changes no money: it arrives after our
 * record of the refund (no_change) or before it, completing our pending refund (refund_completed).
 */
export async function expectOwnCreditEcho(t: TestApp, eventId: string): Promise<void> {
  expect(['no_change', 'refund_completed'], eventId).toContain((await waitForEvent(t, eventId)).outcome);
}

/** The provider's refund ids of an order's completed card refunds, oldest first. */
export async function cardRefundIds(t: TestApp, orderId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ provider_refund_id: string }>(
    "select provider_refund_id from public.refunds where order_id = $1 and destination = 'card' and status = 'completed' order by created_at",
    [orderId],
  );
  return rows.map((r) => r.provider_refund_id);
}

/** A Bolt-shaped webhook body, as raw bytes. */
export function webhookBody(
  type: string,
  t: { id?: string; orderId: string; amount: number; status?: string; sourceReference?: string },
  extra: Record<string, unknown> = {},
): Buffer {
  const body = FakeProvider.webhook(type, {
    id: t.id ?? `txn_${randomUUID().replace(/-/g, '')}`,
    orderId: t.orderId,
    amount: t.amount,
    status: t.status ?? 'completed',
    sourceReference: t.sourceReference,
  });
  return Buffer.from(JSON.stringify({ ...body, ...extra }));
}

/** Posts raw bytes to the webhook endpoint, signed with the app's signing secret unless headers say otherwise. */
export function sendWebhook(t: TestApp, body: Buffer | string, headers?: Record<string, string>): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/api/webhooks/bolt',
    payload: body,
    headers: headers ?? { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(body, t.config.payments.signingSecret) },
  });
}

/** Every integrity query of the seed (credit imbalances, orphan bookings, slot counters) returns nothing. */
export async function expectIntegrity(t: TestApp): Promise<void> {
  for (const check of integrityChecks) {
    expect(await runIntegrityCheck(t.db, check), check.name).toEqual([]);
  }
  const { rows } = await t.db.query('select id, credits from public.profiles where credits < 0');
  expect(rows, 'negative balances').toEqual([]);
}

/** A paid order: book (optionally with credits) and approve at the fake checkout. */
export async function paidOrder(
  t: TestApp,
  user: { token: string },
  payload: { service_type?: Service; use_credits?: number | 'all' } = {},
): Promise<{ order: OrderRow; bookingId: string; slotId: string }> {
  const slotId = await makeSlot(t);
  const res = await booked(t, user, { slot_id: slotId, ...payload });
  expect(res.checkout, 'an amount is due').not.toBeNull();
  const approved = await decide(t, res.checkout!.url, 'approve');
  expect(approved.statusCode, approved.body).toBe(200);
  const order = await orderRow(t, res.order.id);
  expect(order.status).toBe('paid');
  return { order, bookingId: res.booking.id, slotId };
}


/** Switches when referral rewards are paid ('signup' is the seed's behaviour the older tests describe). */
export async function rewardOn(t: TestApp, mode: 'signup' | 'first_paid_booking'): Promise<void> {
  await t.db.query('update public.business_settings set referral_reward_on = $1 where id', [mode]);
}
