import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { getAvailability, type FeaturedReview } from '../api/bookings';
import { api } from '../api/client';
import { ErrorMessage, Loading, Stars } from '../components/ui';
import { useBusiness, useCatalog } from '../lib/business';
import { addDaysKey, dollars, formatDateTime, todayIn } from '../lib/time';

/** The landing page (the LCP page): plain text first, everything else fills in as it arrives. */
export function HomePage() {
  const business = useBusiness();
  const catalog = useCatalog();
  const tz = business.data?.timezone ?? 'America/Los_Angeles';
  const today = todayIn(tz);
  const next = useQuery({ queryKey: ['availability', today, addDaysKey(today, 30)], queryFn: () => getAvailability(today, addDaysKey(today, 30)), staleTime: 15_000 });
  const featured = useQuery({ queryKey: ['reviews', 'featured'], queryFn: () => api<{ reviews: FeaturedReview[] }>('/api/reviews/featured?limit=6', { auth: false }) });
  const summary = useQuery({ queryKey: ['reviews', 'summary'], queryFn: () => api<{ count: number; average: number | null }>('/api/reviews/summary', { auth: false }) });
  const zips = business.data?.service_area_zips;

  return (
    <>
      <section className="hero">
        <h1>Cold plunge and infrared sauna, brought to your home</h1>
        <p className="lead">
          Recovery Machine drives a cold plunge tub and an infrared sauna to your door, sets them up, and takes them away after your session. No gym, no commute: just recovery.
        </p>
        <Link to="/book" className="btn btn-primary btn-big">
          Book a session
        </Link>
      </section>

      <section aria-labelledby="services-heading">
        <h2 id="services-heading">Sessions</h2>
        {catalog.isPending ? (
          <Loading />
        ) : catalog.error ? (
          <ErrorMessage error={catalog.error} onRetry={() => void catalog.refetch()} />
        ) : (
          <>
            <ul className="service-list">
              {catalog.data!.services.map((s) => (
                <li key={s.key} className="card">
                  <h3>{s.name}</h3>
                  <p>
                    <span className="price">{dollars(s.price_cents)}</span> · {s.duration_minutes} minutes
                  </p>
                  {s.description && <p className="muted">{s.description}</p>}
                  <Link to="/book" search={{ service: s.key }}>
                    Book {s.name}
                  </Link>
                </li>
              ))}
            </ul>
            <h3>Add-ons</h3>
            <ul className="addon-list">
              {catalog.data!.add_ons.map((a) => (
                <li key={a.key}>
                  {a.name}: {dollars(a.price_cents)}
                  {a.per_unit ? ' each' : ''}
                  {typeof a.description === 'string' && a.description ? <span className="muted"> ({a.description})</span> : null}
                </li>
              ))}
            </ul>
            {business.data && business.data.setup_fee_cents > 0 && <p className="muted">A one-time setup fee of {dollars(business.data.setup_fee_cents)} is added to your first booking.</p>}
          </>
        )}
      </section>

      <section aria-labelledby="times-heading">
        <h2 id="times-heading">Next available times</h2>
        {next.isPending ? (
          <Loading />
        ) : next.error ? (
          <ErrorMessage error={next.error} onRetry={() => void next.refetch()} />
        ) : next.data!.slots.length === 0 ? (
          <p className="muted">No free times in the next 30 days yet. Check back soon.</p>
        ) : (
          <ul className="next-times">
            {next.data!.slots.slice(0, 5).map((s) => (
              <li key={s.id}>{formatDateTime(s.starts_at, tz)}</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="reviews-heading">
        <h2 id="reviews-heading">What customers say</h2>
        {summary.data && summary.data.count > 0 && summary.data.average !== null && (
          <p className="rating-summary">
            <Stars rating={summary.data.average} label={`Average rating ${summary.data.average.toFixed(1)} out of 5`} /> {summary.data.average.toFixed(1)} out of 5 from{' '}
            {summary.data.count} {summary.data.count === 1 ? 'review' : 'reviews'}
          </p>
        )}
        {featured.data && featured.data.reviews.length > 0 ? (
          <ul className="review-list">
            {featured.data.reviews.map((r, i) => (
              <li key={i} className="card">
                <Stars rating={r.rating} />
                {r.comment && <blockquote>{r.comment}</blockquote>}
                <p className="muted small">
                  {r.author ?? 'A customer'}, {catalog.data?.services.find((x) => x.key === r.service)?.name ?? r.service.replace(/_/g, ' ')}, {new Date(`${r.month}-15T12:00:00Z`).toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })}
                </p>
              </li>
            ))}
          </ul>
        ) : featured.isPending ? (
          <Loading />
        ) : (
          <p className="muted">Reviews will show here soon.</p>
        )}
      </section>

      <section aria-labelledby="area-heading">
        <h2 id="area-heading">Where we go</h2>
        {zips === undefined ? <Loading /> : zips.length === 0 ? <p>We drive anywhere in our area: ask us if you are not sure.</p> : <p>We serve these zip codes: {zips.join(', ')}.</p>}
      </section>
    </>
  );
}
