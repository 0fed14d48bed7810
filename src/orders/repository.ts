import type { Caller, Database, Queryable } from '../db/index.js';

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

/** Has this customer a live (not failed) order that carries the setup fee? */
export async function setupFeeCharged(tx: Queryable, userId: string): Promise<boolean> {
  const { rows } = await tx.query(
    "select 1 from public.orders where user_id = $1 and setup_fee_applied > 0 and status <> 'failed' limit 1",
    [userId],
  );
  return rows.length > 0;
}

export interface NewOrder {
  user_id: string;
  amount: number;
  setup_fee_applied: number;
  credits_applied: number;
  status: 'pending' | 'paid';
  provider: string | null;
  expiresInMinutes: number;
  metadata: Record<string, unknown>;
}

export async function insertOrder(tx: Queryable, o: NewOrder): Promise<Order> {
  const { rows } = await tx.query<Order>(
    `insert into public.orders as o (user_id, amount, setup_fee_applied, credits_applied, status, provider, expires_at, paid_at, metadata)
     values ($1, $2, $3, $4, $5::public.order_status, $6,
             case when $5::public.order_status = 'pending' then now() + make_interval(mins => $7) end,
             case when $5::public.order_status = 'paid' then now() end, $8)
     returning ${columns}`,
    [o.user_id, o.amount, o.setup_fee_applied, o.credits_applied, o.status, o.provider, o.expiresInMinutes, JSON.stringify(o.metadata)],
  );
  return rows[0]!;
}

export async function setCheckout(tx: Queryable, orderId: string, checkoutId: string): Promise<Order> {
  const { rows } = await tx.query<Order>(
    `update public.orders o set bolt_checkout_id = $2 where o.id = $1 returning ${columns}`,
    [orderId, checkoutId],
  );
  return rows[0]!;
}

/** Under RLS for callers (own orders; admins all); `lock` holds it for a status change. */
export async function findOrder(tx: Queryable, id: string, lock = false): Promise<Order | undefined> {
  const { rows } = await tx.query<Order>(`select ${columns} from public.orders o where o.id = $1${lock ? ' for update' : ''}`, [id]);
  return rows[0];
}

export async function findOrderByCheckout(tx: Queryable, checkoutId: string): Promise<Order | undefined> {
  const { rows } = await tx.query<Order>(`select ${columns} from public.orders o where o.bolt_checkout_id = $1`, [checkoutId]);
  return rows[0];
}

/**
 * Customers: their own orders (whatever `customer` says); admins: anyone's, with staff flags.
 * Newest first, with the total for paging: the response body {"orders", "total"} built by the
 * database in one call (api.list_orders).
 */
export function listOrdersJson(
  db: Database,
  caller: Caller,
  f: { status?: OrderStatus; customer?: string; limit: number; offset: number },
): Promise<string> {
  return db.callText(caller, 'api.list_orders', [f.status ?? null, f.customer ?? null, f.limit, f.offset]);
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

export async function setStatus(tx: Queryable, id: string, status: OrderStatus, metadata: Record<string, unknown>): Promise<Order> {
  const { rows } = await tx.query<Order>(
    `update public.orders o set status = $2, metadata = o.metadata || $3::jsonb where o.id = $1 returning ${columns}`,
    [id, status, JSON.stringify(metadata)],
  );
  return rows[0]!;
}

/** Adds staff-only flags (needs_review, …) to an order: order_flags, which customers cannot read. */
export async function flagForStaff(tx: Queryable, id: string, flags: Record<string, unknown>): Promise<void> {
  await tx.query(
    `insert into public.order_flags as f (order_id, flags) values ($1, $2::jsonb)
     on conflict (order_id) do update set flags = f.flags || excluded.flags`,
    [id, JSON.stringify(flags)],
  );
}

/** The order, locked, when it is still pending but its checkout has expired (by the database clock). */
export async function lockIfExpired(tx: Queryable, id: string): Promise<Order | undefined> {
  const { rows } = await tx.query<Order>(
    `select ${columns} from public.orders o
      where o.id = $1 and o.status = 'pending' and o.expires_at <= now()
      for update`,
    [id],
  );
  return rows[0];
}

/** Unpaid orders past their expiry, locked; rows another process is already expiring are skipped. */
export async function lockExpiredPending(tx: Queryable, limit: number): Promise<Order[]> {
  const { rows } = await tx.query<Order>(
    `select ${columns} from public.orders o
      where o.status = 'pending' and o.expires_at <= now()
      order by o.expires_at limit $1 for update skip locked`,
    [limit],
  );
  return rows;
}

/** Records a refund; the database applies it to the order (and the ledger for credits). */
export async function insertRefund(
  tx: Queryable,
  r: { orderId: string; amountCents: number; destination: 'card' | 'credits'; providerRefundId?: string; createdBy?: string },
): Promise<{ id: string } | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `insert into public.refunds (order_id, amount_cents, destination, provider_refund_id, created_by)
     values ($1, $2, $3, $4, $5)
     on conflict (provider_refund_id) do nothing
     returning id`,
    [r.orderId, r.amountCents, r.destination, r.providerRefundId ?? null, r.createdBy ?? null],
  );
  return rows[0];
}

/** Is this provider refund (credit transaction) already recorded? Our own card refunds are, before Bolt's webhook echoes them. */
export async function refundRecorded(tx: Queryable, providerRefundId: string): Promise<boolean> {
  const { rows } = await tx.query('select 1 from public.refunds where provider_refund_id = $1', [providerRefundId]);
  return rows.length > 0;
}

export type RefundDecision = 'card' | 'credits' | 'none';

/** Records what was decided about the money of a cancelled paid order (once: null → decision). */
export async function recordCancellationRefund(
  tx: Queryable,
  orderId: string,
  decision: RefundDecision,
  decidedBy: string | null,
): Promise<Order> {
  await tx.query(`update public.order_flags set flags = flags - 'cancellation_refund_error' where order_id = $1`, [orderId]);
  const { rows } = await tx.query<Order>(
    `update public.orders o set cancellation_refund = $2, cancellation_refund_at = now(), cancellation_refund_by = $3
      where o.id = $1 returning ${columns}`,
    [orderId, decision, decidedBy],
  );
  return rows[0]!;
}

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
      and o.refunded_cents < o.amount + o.credits_applied * 100
      and exists (select 1 from public.bookings b where b.order_id = o.id)
      and not exists (select 1 from public.bookings b where b.order_id = o.id and b.status <> 'cancelled')`;
  const { rows } = await tx.query<Order & Omit<RefundNeeded, 'order'>>(
    `select ${columns},
            (o.amount + o.credits_applied * 100 - o.refunded_cents) as refundable_cents,
            least(o.amount - o.card_refunded_cents, o.amount + o.credits_applied * 100 - o.refunded_cents) as card_refundable_cents,
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
