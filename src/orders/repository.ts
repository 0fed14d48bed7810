import { SERVICE_ROLE, type Caller, type Database, type Queryable } from '../db/index.js';

export type OrderStatus = 'pending' | 'paid' | 'failed' | 'refunded';

export interface Order {
  id: string;
  user_id: string;
  /** The provider's checkout id (Bolt order token, or the fake checkout's id). */
  bolt_checkout_id: string | null;
  /** Cents due by card: service + add-ons + setup fee − credits_applied × 100. */
  amount: number;
  setup_fee_applied: number;
  /** Credits spent on this order (1 credit = 100 cents). */
  credits_applied: number;
  /** Cents refunded so far, to card and to credits. */
  refunded_cents: number;
  card_refunded_cents: number;
  status: OrderStatus;
  provider: string | null;
  /** Shown to the customer: description, subtotal, payment and refund facts. Never staff flags. */
  metadata: Record<string, unknown>;
  /**
   * Staff-only flags (needs_review, amount_mismatch, …) from order_flags: null when there are
   * none or the reader may not see them (RLS: admins only).
   */
  staff_flags: Record<string, unknown> | null;
  /** The refund decision for a cancelled paid booking: card, credits or none (null: not decided). */
  cancellation_refund: RefundDecision | null;
  cancellation_refund_at: Date | null;
  expires_at: Date | null;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const columns = `o.id, o.user_id, o.bolt_checkout_id, o.amount, o.setup_fee_applied, o.credits_applied, o.refunded_cents,
  o.card_refunded_cents, o.status, o.provider, o.metadata,
  (select f.flags from public.order_flags f where f.order_id = o.id) as staff_flags,
  o.cancellation_refund, o.cancellation_refund_at, o.expires_at, o.paid_at, o.created_at, o.updated_at`;

/** An order as the database functions return it (jsonb): timestamps as ISO strings. */
export type OrderJson = Omit<Order, 'cancellation_refund_at' | 'expires_at' | 'paid_at' | 'created_at' | 'updated_at'> & {
  cancellation_refund_at: string | null;
  expires_at: string | null;
  paid_at: string | null;
  created_at: string;
  updated_at: string;
};

const dateOrNull = (at: string | null) => (at === null ? null : new Date(at));

/** The same order with Date timestamps, as the rest of the code reads them. */
export function orderFromJson(o: OrderJson): Order {
  return {
    ...o,
    cancellation_refund_at: dateOrNull(o.cancellation_refund_at),
    expires_at: dateOrNull(o.expires_at),
    paid_at: dateOrNull(o.paid_at),
    created_at: new Date(o.created_at),
    updated_at: new Date(o.updated_at),
  };
}

/** Server only, after the booking committed: the provider's checkout id of a pending order (api.attach_checkout). */
export async function attachCheckout(db: Database, orderId: string, checkoutId: string): Promise<Order> {
  return orderFromJson(await db.call<OrderJson>(SERVICE_ROLE, 'api.attach_checkout', [orderId, checkoutId]));
}

/**
 * Server only: the provider could not open the checkout of a new pending order, so it fails as a
 * declined payment does: its booking cancelled, the place and credits back (api.fail_checkout).
 */
export async function failCheckout(db: Database, orderId: string): Promise<Order> {
  return orderFromJson(await db.call<OrderJson>(SERVICE_ROLE, 'api.fail_checkout', [orderId]));
}

/** Under RLS for callers (own orders; admins all); `lock` holds it for a status change. */
export async function findOrder(tx: Queryable, id: string, lock = false): Promise<Order | undefined> {
  const { rows } = await tx.query<Order>(`select ${columns} from public.orders o where o.id = $1${lock ? ' for update' : ''}`, [id]);
  return rows[0];
}

/**
 * Customers: their own orders (whatever `customer` says); admins: anyone's, with staff flags and
 * the customer (`flagged`: only orders whose flags await review). Newest first, with the total for
 * paging: the response body {"orders", "total"} built by the database in one call (api.list_orders).
 */
export function listOrdersJson(db: Database, caller: Caller, f: OrderListFilter): Promise<string> {
  return db.callText(caller, 'api.list_orders', [f.status ?? null, f.customer ?? null, f.flagged ?? null, f.limit, f.offset]);
}

export interface OrderListFilter {
  status?: OrderStatus;
  customer?: string;
  flagged?: boolean;
  limit: number;
  offset: number;
}

export async function listOrders(
  tx: Queryable,
  f: { status?: OrderStatus; customer?: string; limit: number; offset: number },
): Promise<{ orders: Order[]; total: number }> {
  const where = '($1::public.order_status is null or o.status = $1) and ($2::uuid is null or o.user_id = $2)';
  const params = [f.status ?? null, f.customer ?? null];
  const { rows } = await tx.query<Order>(
    `select ${columns} from public.orders o where ${where} order by o.created_at desc, o.id limit $3 offset $4`,
    [...params, f.limit, f.offset],
  );
  const count = await tx.query<{ total: number }>(`select count(*)::int as total from public.orders o where ${where}`, params);
  return { orders: rows, total: count.rows[0]?.total ?? 0 };
}

export type RefundDecision = 'card' | 'credits' | 'none';

export interface RefundNeeded {
  order: Order;
  /** Cents still refundable: total paid (card + credits) minus refunds so far. */
  refundable_cents: number;
  /** Cents of that which the card paid and can go back to it. */
  card_refundable_cents: number;
  /** Why an automatic refund did not happen (e.g. the provider was unavailable), or null. */
  reason: string | null;
  customer: { id: string; full_name: string | null; email: string; phone: string | null } | null;
  bookings: { id: string; date_time: string; service_type: string; cancelled_at: string | null }[];
}

/**
 * Under RLS (admins see all orders): paid orders whose bookings are all cancelled, not fully
 * refunded, with no refund decision yet. Oldest first.
 */
export async function listRefundsNeeded(tx: Queryable, limit: number, offset: number): Promise<{ items: RefundNeeded[]; total: number }> {
  const where = `o.status = 'paid' and o.cancellation_refund is null
      and o.refunded_cents + o.pending_refund_cents < o.amount + o.credits_applied * 100
      and exists (select 1 from public.bookings b where b.order_id = o.id)
      and not exists (select 1 from public.bookings b where b.order_id = o.id and b.status <> 'cancelled')`;
  const { rows } = await tx.query<Order & Omit<RefundNeeded, 'order'>>(
    `select ${columns},
            (o.amount + o.credits_applied * 100 - o.refunded_cents - o.pending_refund_cents) as refundable_cents,
            least(o.amount - o.card_refunded_cents - o.pending_refund_cents,
                  o.amount + o.credits_applied * 100 - o.refunded_cents - o.pending_refund_cents) as card_refundable_cents,
            (select f.flags ->> 'cancellation_refund_error' from public.order_flags f where f.order_id = o.id) as reason,
            (select json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email, 'phone', p.phone)
               from public.profiles p where p.id = o.user_id) as customer,
            (select coalesce(json_agg(json_build_object('id', b.id, 'date_time', b.date_time, 'service_type', b.service_type,
                                                        'cancelled_at', b.cancelled_at) order by b.date_time), '[]')
               from public.bookings b where b.order_id = o.id) as bookings
       from public.orders o where ${where}
      order by o.created_at, o.id limit $1 offset $2`,
    [limit, offset],
  );
  const items = rows.map(({ refundable_cents, card_refundable_cents, reason, customer, bookings, ...order }) => ({
    order,
    refundable_cents,
    card_refundable_cents,
    reason,
    customer,
    bookings,
  }));
  const count = await tx.query<{ total: number }>(`select count(*)::int as total from public.orders o where ${where}`);
  return { items, total: count.rows[0]?.total ?? 0 };
}

/** What happened to the money when a booking was cancelled (the cancel response says it). */
export interface CancellationMoney {
  /**
   * nothing_paid: no order, or nothing left to refund; payment_cancelled: the unpaid order failed
   * (credits spent on it came back); refunded: refunded now; kept: staff decided no refund;
   * refund_needed: on the staff "needs refund" list (no decision yet, or the provider was down).
   */
  outcome: 'nothing_paid' | 'payment_cancelled' | 'refunded' | 'kept' | 'refund_needed';
  refund_to: RefundDecision | null;
  /** Cents refunded to the card now. */
  card_cents: number;
  /** Credits given back now (a refund to credits, or the credits an unpaid order had spent). */
  credits: number;
  order_id: string | null;
  order_status: OrderStatus | null;
  message: string;
}

/**
 * A pending card refund, recorded (and committed) before the provider is asked: the server asks
 * the provider outside any transaction with `idempotency_key`, then records the answer in one
 * call (finishRefund). Returned by the api functions that decide a card refund.
 */
export interface CardRefund {
  refund_id: string;
  order_id: string;
  amount_cents: number;
  /** The provider's reference of the captured payment; null when there is none. */
  transaction_reference: string | null;
  /** Sent as Idempotency-Key: the same on every attempt of this refund. */
  idempotency_key: string;
  created_at: string;
}

/** The provider's answer to a card refund, as api.finish_refund records it. */
export type RefundResult =
  | { status: 'completed'; id: string; reference: string | null }
  | { status: 'failed'; reason: string };

export type RefundStatus = 'pending' | 'completed' | 'failed';

/** A card refund returned by an api function instead of a finished result. */
export function isCardRefund<T extends object>(result: T | { card_refund: CardRefund }): result is { card_refund: CardRefund } {
  return 'card_refund' in result;
}

/** Admin refund to credits (done: the order) or the card (recorded as pending: the card refund to ask for). */
export async function refundOrder(
  db: Database,
  caller: Caller,
  r: { orderId: string; to: 'card' | 'credits'; amountCents?: number },
): Promise<Order | { card_refund: CardRefund }> {
  const result = await db.call<OrderJson | { card_refund: CardRefund }>(caller, 'api.refund_order', [r.orderId, r.to, r.amountCents ?? null]);
  return isCardRefund(result) ? result : orderFromJson(result);
}

/** Admin decision about the money of a cancelled paid order (api.decide_cancellation_refund). */
export async function decideCancellationRefund(
  db: Database,
  caller: Caller,
  orderId: string,
  decision: RefundDecision,
): Promise<{ order: Order; money: CancellationMoney; card_refund: CardRefund | null }> {
  const result = await db.call<{ order: OrderJson; money: CancellationMoney; card_refund: CardRefund | null }>(caller, 'api.decide_cancellation_refund', [
    orderId,
    decision,
  ]);
  return { order: orderFromJson(result.order), money: result.money, card_refund: result.card_refund };
}

/** Server only: records the provider's answer to a pending card refund (api.finish_refund). */
export async function finishRefund(db: Database, refundId: string, result: RefundResult): Promise<{ status: RefundStatus; order: Order }> {
  const done = await db.call<{ status: RefundStatus; order: OrderJson }>(SERVICE_ROLE, 'api.finish_refund', [refundId, JSON.stringify(result)]);
  return { status: done.status, order: orderFromJson(done.order) };
}

/** Server only: claims pending card refunds older than `olderThanSeconds` for a retry (api.claim_pending_refunds). */
export async function claimPendingRefunds(db: Database, olderThanSeconds: number, limit: number): Promise<CardRefund[]> {
  return db.call<CardRefund[]>(SERVICE_ROLE, 'api.claim_pending_refunds', [olderThanSeconds, limit]);
}

/** Fails up to `batch` unpaid orders past their expiry (service role); how many. */
export async function expireUnpaid(db: Database, caller: Caller, batch: number): Promise<number> {
  return db.call<number>(caller, 'api.expire_unpaid_orders', [batch]);
}

/** The order behind a provider checkout, expired on the spot when its checkout has expired (service role). */
export async function openCheckout(db: Database, caller: Caller, provider: string, checkoutId: string): Promise<{ order: Order; expired: boolean } | undefined> {
  const result = await db.call<{ order: OrderJson; expired: boolean } | null>(caller, 'api.open_checkout', [provider, checkoutId]);
  return result ? { order: orderFromJson(result.order), expired: result.expired } : undefined;
}

/**
 * Admins: one order with what moved its money (customer, bookings, refundable amounts, refunds,
 * provider webhook events): the response body as JSON text, built by the database (api.admin_order).
 */
export function adminOrderJson(db: Database, caller: Caller, orderId: string): Promise<string> {
  return db.callText(caller, 'api.admin_order', [orderId]);
}

/** Admin: marks an order's staff flags reviewed (409 not_flagged without flags); JSON text. */
export function reviewOrderFlagsJson(db: Database, caller: Caller, orderId: string): Promise<string> {
  return db.callText(caller, 'api.review_order_flags', [orderId]);
}
