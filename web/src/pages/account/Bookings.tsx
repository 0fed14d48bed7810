import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { listBookings, listOrders, type CancellationMoney } from '../../api/bookings';
import { useSession } from '../../auth/session';
import { ErrorMessage, Loading, Notice, PageTitle } from '../../components/ui';
import { useBusiness, useCatalog } from '../../lib/business';
import { dollars, formatDateTime } from '../../lib/time';
import { BookingCard } from './bookings/BookingCard';

export function BookingsPage() {
  const session = useSession();
  const business = useBusiness();
  const catalog = useCatalog();
  const bookings = useQuery({ queryKey: ['bookings', session?.user.id], queryFn: listBookings, enabled: session !== null });
  const orders = useQuery({ queryKey: ['orders', session?.user.id], queryFn: listOrders, enabled: session !== null });
  const [cancelled, setCancelled] = useState<{ what: string; money: CancellationMoney } | null>(null);

  if (!session)
    return (
      <>
        <PageTitle>My bookings</PageTitle>
        <p>
          <Link to="/login" search={{ redirect: '/account/bookings' }}>
            Sign in
          </Link>{' '}
          to see your bookings.
        </p>
      </>
    );

  const tz = business.data?.timezone ?? 'America/Los_Angeles';
  const now = Date.now();
  const byOrder = new Map((orders.data?.orders ?? []).map((o) => [o.id, o]));
  const name = (key: string) => catalog.data?.services.find((s) => s.key === key)?.name ?? key.replace(/_/g, ' ');
  const list = bookings.data?.bookings ?? [];
  const isUpcoming = (b: (typeof list)[number]) => (b.status === 'scheduled' || b.status === 'confirmed') && new Date(b.date_time).getTime() > now;
  const upcoming = list.filter(isUpcoming).sort((a, b) => a.date_time.localeCompare(b.date_time));
  const past = list.filter((b) => !isUpcoming(b)).sort((a, b) => b.date_time.localeCompare(a.date_time));
  const card = (b: (typeof list)[number]) => (
    <BookingCard key={b.id} booking={b} order={b.order_id ? byOrder.get(b.order_id) : undefined} serviceName={name(b.service_type)} tz={tz} windowMinutes={business.data?.cancellation_window_minutes ?? 1440}
      now={now}
      onCancelled={(booking, money) => setCancelled({ what: `${name(booking.service_type)}, ${formatDateTime(booking.date_time, tz)}`, money })}
    />
  );

  return (
    <>
      <PageTitle lead="Your sessions: pay, move, cancel or add them to your calendar.">My bookings</PageTitle>
      {cancelled && (
        <Notice tone="success">
          <p>
            <strong>Cancelled:</strong> {cancelled.what}. {moneySentence(cancelled.money)}
          </p>
          <p className="muted small">{cancelled.money.message}</p>
        </Notice>
      )}
      {bookings.isPending || orders.isPending ? (
        <Loading />
      ) : bookings.error || orders.error ? (
        <ErrorMessage
          error={bookings.error ?? orders.error}
          onRetry={() => {
            void bookings.refetch();
            void orders.refetch();
          }}
        />
      ) : (
        <>
          <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">Upcoming</h2>
            {upcoming.length === 0 ? (
              <p>
                No upcoming sessions. <Link to="/book">Book a session</Link>
              </p>
            ) : (
              <ul className="booking-list">{upcoming.map(card)}</ul>
            )}
          </section>
          <section aria-labelledby="past-heading">
            <h2 id="past-heading">Past and cancelled</h2>
            {past.length === 0 ? <p className="muted">Nothing here yet.</p> : <ul className="booking-list">{past.map(card)}</ul>}
          </section>
        </>
      )}
    </>
  );
}

/** The cancel's answer (money.outcome, README: Money) in words. */
function moneySentence(m: CancellationMoney): string {
  const back = [m.card_cents > 0 ? `${dollars(m.card_cents)} back to your card` : '', m.credits > 0 ? `${m.credits} credits back to your balance` : ''].filter(Boolean).join(' and ');
  switch (m.outcome) {
    case 'nothing_paid':
      return 'Nothing had been paid, so nothing is charged.';
    case 'payment_cancelled':
      return m.credits > 0 ? `The payment link is closed and your ${m.credits} credits are back.` : 'The payment link is closed: nothing is charged.';
    case 'refunded':
      return back ? `Refunded: ${back}. A card refund can take a few days to show.` : 'Refunded.';
    case 'refund_needed':
      return 'Your refund is being arranged by our team; we will email you when it is made.';
    case 'kept':
      return 'No refund is due for this booking.';
  }
}
