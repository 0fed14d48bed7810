import type { Address, StaffRole } from '../auth/session';
import type { BookingStatus, Order as CustomerOrder, OrderStatus } from './bookings';

/** Response types of the console's people and money pages (customers, orders, messages, team). */

export interface CustomerSummary {
  id: string;
  email: string;
  full_name: string | null;
  phone: string | null;
  credits: number;
  created_at: string;
}

export interface CustomerSearch {
  customers: CustomerSummary[];
  total: number;
  limit: number;
  offset: number;
}

export const ORDER_STATUSES: OrderStatus[] = ['pending', 'paid', 'failed', 'refunded'];

/** An order as staff see it: the customer's view plus the staff fields. */
export interface Order extends CustomerOrder {
  user_id: string;
  /** Whose order it is (the orders list gives it to admins; the order page has its own). */
  customer?: { id: string; full_name: string | null; email: string } | null;
  /** When an admin marked the staff flags reviewed (the orders list; null while they await review). */
  flags_reviewed_at?: string | null;
  staff_flags: Record<string, unknown> | null;
  cancellation_refund: 'card' | 'credits' | 'none' | null;
  cancellation_refund_at: string | null;
  updated_at: string;
}

export interface Booking {
  id: string;
  order_id: string | null;
  date_time: string;
  duration: number;
  service_type: string;
  add_ons: Record<string, boolean | number>;
  status: BookingStatus;
  total_amount: number | null;
  cancelled_at: string | null;
}

export interface LedgerEntry {
  id: string;
  amount: number;
  type: 'earned' | 'spent' | 'refunded' | 'adjustment';
  description: string;
  reference_id: string | null;
  created_at: string;
}

export interface Referral {
  id: string;
  referrer_id: string;
  invitee_email: string;
  invitee_id: string | null;
  status: 'pending' | 'accepted' | 'expired';
  reward_credits: number;
  rewarded_at: string | null;
  created_at: string;
}

export interface CustomerReview {
  id: string;
  booking_id: string;
  rating: number;
  comment: string | null;
  is_featured: boolean | null;
  created_at: string;
}

/** GET /api/admin/customers/:id: orders, ledger and referrals are null for operators. */
export interface CustomerDetail {
  profile: CustomerSummary & { address: Address | null; referral_code: string | null };
  bookings: Booking[];
  orders: Order[] | null;
  credit_ledger: LedgerEntry[] | null;
  referrals: { made: Referral[]; received: Referral[] } | null;
  reviews: CustomerReview[];
}

export interface Refund {
  id: string;
  amount_cents: number;
  destination: 'card' | 'credits';
  status: 'pending' | 'completed' | 'failed';
  provider_refund_id: string | null;
  provider_refund_reference: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
}

export interface PaymentEvent {
  id: string;
  provider: string;
  type: string;
  outcome: string | null;
  payload: unknown;
  received_at: string;
}

/** GET /api/admin/orders/:id (admins). */
export interface AdminOrder {
  order: Order;
  refundable_cents: number;
  card_refundable_cents: number;
  transaction_reference: string | null;
  customer: { id: string; full_name: string | null; email: string; phone: string | null } | null;
  /** When and by whom the flags were marked reviewed; null while they await review. */
  flags_review: { reviewed_at: string; reviewed_by: { id: string; full_name: string | null; email: string } | null } | null;
  bookings: { id: string; date_time: string; service_type: string; status: string; cancelled_at: string | null }[];
  refunds: Refund[];
  events: PaymentEvent[];
}

export const MESSAGE_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const MESSAGE_KINDS = [
  'booking_received',
  'booking_confirmed',
  'receipt',
  'reminder',
  'booking_rescheduled',
  'booking_cancelled',
  'refund_issued',
  'review_request',
  'referral_invitation',
  'referral_reward',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface Message {
  id: string;
  kind: MessageKind;
  channel: 'email' | 'sms';
  user_id: string | null;
  booking_id: string | null;
  order_id: string | null;
  recipient: string;
  status: MessageStatus;
  attempts: number;
  provider_id: string | null;
  last_error: string | null;
  send_after: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface StaffMember {
  email: string;
  role: StaffRole;
  user_id: string | null;
  created_at: string;
}

/** "cold_plunge" → "Cold plunge". */
export const humanize = (s: string): string => {
  const t = s.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/** "25.50" / "$25.50" / "25" → 2550 cents; undefined when it is not an amount of dollars and cents. */
export function parseDollars(text: string): number | undefined {
  const m = /^\s*\$?\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}
