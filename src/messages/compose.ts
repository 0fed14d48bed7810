import type { ReviewLinks } from '../reviews/tokens.js';
import type { ClaimedMessage } from './repository.js';
import type { MessageData } from './render.js';
import type { MessageKind, MessageToSend } from './types.js';

/**
 * Turns a claimed message row (the facts its trigger recorded, plus the booking, order and names
 * as they are at send time) into the `data` its kind renders from (MessageData, src/messages/render.ts).
 * Links are made here, at send time: the pay page, the review link (signed for 30 days from now),
 * the invitation.
 */
export interface ComposeContext {
  publicUrl: string;
  reviewLinks: Pick<ReviewLinks, 'link'>;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const iso = (v: unknown): string => new Date(String(v)).toISOString();

function session(m: ClaimedMessage): MessageData['booking_confirmed'] {
  const b: Row = m.booking ?? m.data;
  return {
    customer_name: m.customer_name,
    service_type: String(b.service_type),
    service_name: m.service_name ?? String(b.service_type),
    starts_at: iso(b.date_time),
    duration_minutes: num(b.duration),
    address: (b.address as MessageData['booking_confirmed']['address']) ?? null,
  };
}

/** Where the customer pays a pending order: the provider's checkout page of ours. */
function payUrl(publicUrl: string, order: Row | null): string {
  const checkout = str(order?.bolt_checkout_id);
  if (!checkout) return `${publicUrl}/`;
  return `${publicUrl}/checkout/${order?.provider === 'bolt' ? 'bolt' : 'fake'}/${encodeURIComponent(checkout)}`;
}

/** What happened to a cancelled booking's money, read from its order at send time. */
function money(order: Row | null): MessageData['booking_cancelled']['money'] {
  if (!order) return { outcome: 'nothing_paid', refund_to: null, card_cents: 0, credits: 0 };
  if (order.status === 'failed') return { outcome: 'payment_cancelled', refund_to: null, card_cents: 0, credits: num(order.credits_applied) };
  const decision = str(order.cancellation_refund) as 'card' | 'credits' | 'none' | null;
  if (decision === null) return { outcome: 'refund_needed', refund_to: null, card_cents: 0, credits: 0 };
  if (decision === 'none') return { outcome: 'kept', refund_to: 'none', card_cents: 0, credits: 0 };
  const card = num(order.card_refunded_cents);
  return { outcome: 'refunded', refund_to: decision, card_cents: card, credits: Math.floor((num(order.refunded_cents) - card) / 100) };
}

export async function compose(m: ClaimedMessage, ctx: ComposeContext): Promise<MessageToSend> {
  const order = m.order;
  const data = await dataFor(m.kind, m, order, ctx);
  return { id: m.id, kind: m.kind, channel: m.channel, to: m.recipient, bookingId: m.booking_id, orderId: m.order_id, userId: m.user_id, data };
}

async function dataFor(kind: MessageKind, m: ClaimedMessage, order: Row | null, ctx: ComposeContext): Promise<Row> {
  switch (kind) {
    case 'booking_received':
      return { ...session(m), pay_url: payUrl(ctx.publicUrl, order), amount_cents: num(order?.amount), expires_at: order?.expires_at ? iso(order.expires_at) : null };
    case 'booking_confirmed':
    case 'reminder':
      return session(m);
    case 'booking_rescheduled':
      return { ...session(m), previous_starts_at: iso(m.data.previous_date_time) };
    case 'booking_cancelled':
      return { ...session(m), money: money(order) };
    case 'review_request':
      return { ...session(m), review_url: await ctx.reviewLinks.link({ bookingId: m.booking_id!, userId: m.user_id! }) };
    case 'receipt': {
      const metadata = (order?.metadata ?? {}) as Row;
      return {
        customer_name: m.customer_name,
        amount_cents: num(m.data.amount),
        credits_applied: num(m.data.credits_applied),
        description: str(metadata.description) ?? 'Your order',
        paid_at: iso(m.data.paid_at),
      };
    }
    case 'refund_issued': {
      const to = m.data.destination === 'credits' ? 'credits' : 'card';
      const cents = num(m.data.amount_cents);
      return { customer_name: m.customer_name, to, amount_cents: cents, ...(to === 'credits' ? { credits: Math.floor(cents / 100) } : {}) };
    }
    case 'referral_invitation':
      return {
        referrer_name: str(m.data.referrer_name) ?? 'A friend',
        invite_url: `${ctx.publicUrl}${str(m.data.invite_path) ?? '/'}`,
        reward_credits: num(m.data.reward_credits),
      };
    case 'referral_reward':
      return { customer_name: m.customer_name, credits: num(m.data.credits) };
  }
}
