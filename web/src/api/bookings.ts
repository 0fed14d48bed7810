import type { Address } from '../auth/session';
import { api } from './client';

/** Response shapes of the booking, availability, order and review endpoints (src/**\/routes.ts). */

export interface Slot {
  id: string;
  date: string;
  start_time: string;
  end_time: string;
  /** ISO-8601 with the business zone's offset. */
  starts_at: string;
  remaining: number;
}

export type BookingStatus = 'scheduled' | 'confirmed' | 'completed' | 'cancelled';

export interface Booking {
  id: string;
  user_id: string;
  order_id: string | null;
  slot_id: string | null;
  date_time: string;
  duration: number;
  service_type: string;
  add_ons: Record<string, boolean | number>;
  status: BookingStatus;
  notes: string | null;
  address: Address;
  /** Cents: service plus add-ons. */
  total_amount: number | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

export type OrderStatus = 'pending' | 'paid' | 'failed' | 'refunded';

export interface Order {
  id: string;
  status: OrderStatus;
  /** Cents due by card. */
  amount: number;
  setup_fee_applied: number;
  credits_applied: number;
  refunded_cents: number;
  card_refunded_cents: number;
  provider: string | null;
  bolt_checkout_id: string | null;
  metadata: Record<string, unknown>;
  expires_at: string | null;
  paid_at: string | null;
  created_at: string;
}

export interface CancellationMoney {
  outcome: 'nothing_paid' | 'payment_cancelled' | 'refunded' | 'kept' | 'refund_needed';
  refund_to: 'card' | 'credits' | 'none' | null;
  card_cents: number;
  credits: number;
  order_id: string | null;
  order_status: OrderStatus | null;
  message: string;
}

export interface NewBooking {
  booking: Booking;
  order: Order;
  checkout: { provider: string; url: string } | null;
}

export interface BookingRequest {
  slot_id: string;
  service_type: string;
  add_ons: Record<string, boolean | number>;
  address: Address;
  use_credits: number;
}

export interface FeaturedReview {
  rating: number;
  comment: string | null;
  author: string | null;
  service: string;
  month: string;
}

export const getAvailability = (from: string, to: string) => api<{ slots: Slot[] }>(`/api/availability?from=${from}&to=${to}`, { auth: false });
export const listBookings = () => api<{ bookings: Booking[]; total: number }>('/api/bookings?limit=200');
export const listOrders = () => api<{ orders: Order[]; total: number }>('/api/orders?limit=200');
export const createBooking = (body: BookingRequest) => api<NewBooking>('/api/bookings', { method: 'POST', body });
export const cancelBooking = (id: string) => api<{ booking: Booking; money: CancellationMoney }>(`/api/bookings/${id}/cancel`, { method: 'POST', body: {} });
export const rescheduleBooking = (id: string, slotId: string) => api<{ booking: Booking }>(`/api/bookings/${id}/reschedule`, { method: 'POST', body: { slot_id: slotId } });

/**
 * Where a pending order is paid again: the same page the booking opened (and the booking_received
 * email links to, src/messages/compose.ts): /checkout/<provider>/<the order's checkout id>.
 */
export function checkoutUrl(order: Order): string | null {
  if (order.status !== 'pending' || !order.bolt_checkout_id) return null;
  return `/checkout/${order.provider === 'bolt' ? 'bolt' : 'fake'}/${encodeURIComponent(order.bolt_checkout_id)}`;
}

/**
 * Whether the server will add the setup fee to the next booking: api.book_session charges it
 * unless the customer already has an order with a setup fee that did not fail.
 */
export const setupFeeDue = (orders: Order[]): boolean => !orders.some((o) => o.setup_fee_applied > 0 && o.status !== 'failed');
