import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { createBooking, listOrders, setupFeeDue, type NewBooking } from '../api/bookings';
import { useMe, useSession } from '../auth/session';
import { Button, Checkbox, ErrorMessage, Notice, PageTitle, QueryState, TextField } from '../components/ui';
import { useBusiness, useCatalog, type AddOn, type Catalog } from '../lib/business';
import { dollars, formatDateTime, todayIn } from '../lib/time';
import { useDraft, type Draft } from './book/draft';
import { SlotPicker } from './book/SlotPicker';

/** The price as the server will charge it (api.book_session): cents. */
export function quote(catalog: Catalog, draft: Draft, setupFee: number, balance: number) {
  const service = catalog.services.find((s) => s.key === draft.service) ?? null;
  const lines: { label: string; cents: number }[] = [];
  let minutes = service?.duration_minutes ?? 0;
  if (service) lines.push({ label: `${service.name} (${service.duration_minutes} min)`, cents: service.price_cents });
  for (const a of catalog.add_ons) {
    const n = draft.addOns[a.key] ?? 0;
    if (n <= 0) continue;
    lines.push({ label: a.per_unit ? `${a.name} × ${n}` : a.name, cents: a.price_cents * (a.per_unit ? n : 1) });
    minutes += Number(a.extra_minutes ?? 0);
  }
  const subtotal = lines.reduce((s, l) => s + l.cents, 0);
  const due = subtotal + setupFee;
  const maxCredits = Math.min(balance, Math.floor(due / 100));
  const credits = Math.max(0, Math.min(draft.credits, maxCredits));
  return { service, lines, minutes, subtotal, setupFee, due, maxCredits, credits, total: due - credits * 100 };
}

export function BookPage() {
  const catalog = useCatalog();
  return (
    <>
      <PageTitle lead="Cold plunge and infrared sauna, brought to your home. Pick what you want, when, and where.">Book a session</PageTitle>
      <QueryState query={catalog}>{(c) => <BookForm catalog={c} />}</QueryState>
    </>
  );
}

function BookForm({ catalog }: { catalog: Catalog }) {
  const search = useSearch({ from: '/book' });
  const session = useSession();
  const me = useMe();
  const business = useBusiness();
  const tz = business.data?.timezone ?? 'America/Los_Angeles';
  const [draft, update, reset] = useDraft();
  const [result, setResult] = useState<NewBooking | null>(null);
  const orders = useQuery({ queryKey: ['orders', session?.user.id], queryFn: listOrders, enabled: session !== null });
  const queryClient = useQueryClient();

  // The credit balance and the setup fee depend on the latest profile and orders: fetch them afresh.
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ['me'] });
  }, [queryClient]);
  // A ?service= link picks the service; the profile's address fills an empty address.
  useEffect(() => {
    if (search.service && !draft.service && catalog.services.some((s) => s.key === search.service)) update({ service: search.service });
  }, [search.service]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const a = me.data?.address;
    if (a && !draft.address.street && !draft.address.zip) update({ address: a });
  }, [me.data]); // eslint-disable-line react-hooks/exhaustive-deps

  const setupFee = session === null || (orders.data && setupFeeDue(orders.data.orders)) ? (business.data?.setup_fee_cents ?? 0) : 0;
  const balance = me.data?.credits ?? 0;
  const q = quote(catalog, draft, setupFee, balance);
  const zips = business.data?.service_area_zips ?? [];
  const zip = draft.address.zip.trim();
  const zipProblem = zip.length > 0 && !/^\d{5}$/.test(zip) ? 'Enter a 5-digit zip code.' : zip && zips.length > 0 && !zips.includes(zip) ? `Sorry, we do not drive to ${zip} yet. We serve ${zips.join(', ')}.` : undefined;
  const addressDone = draft.address.street.trim() && draft.address.city.trim() && draft.address.state.trim() && /^\d{5}$/.test(zip) && !zipProblem;
  const ready = q.service && draft.slotId && addressDone;
  const month = draft.month ?? todayIn(tz).slice(0, 7);

  const book = useMutation({
    mutationFn: () =>
      createBooking({
        slot_id: draft.slotId!,
        service_type: draft.service!,
        add_ons: Object.fromEntries(catalog.add_ons.filter((a) => (draft.addOns[a.key] ?? 0) > 0).map((a) => [a.key, a.per_unit ? draft.addOns[a.key]! : true])),
        address: { ...draft.address, zip },
        use_credits: q.credits,
      }),
    onSuccess: (r) => {
      reset();
      // "Continue to payment" opens the checkout when the server charges what the page showed;
      // if the price moved meanwhile, the customer sees the server's numbers first.
      if (r.checkout && r.order.amount === q.total) {
        window.location.assign(r.checkout.url);
        return;
      }
      setResult(r);
      void queryClient.invalidateQueries({ queryKey: ['availability'] });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      void queryClient.invalidateQueries({ queryKey: ['bookings'] });
    },
  });

  if (result) return <Booked result={result} tz={tz} />;

  const setAddOn = (a: AddOn, n: number) => update({ addOns: { ...draft.addOns, [a.key]: n } });

  return (
    <form
      className="book"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready && session) book.mutate();
      }}
    >
      <fieldset className="card">
        <legend>1. Service</legend>
        <div className="choice-list">
          {catalog.services.map((s) => (
            <label key={s.key} className={`choice${draft.service === s.key ? ' selected' : ''}`}>
              <input type="radio" name="service" value={s.key} checked={draft.service === s.key} onChange={() => update({ service: s.key, slotId: null, slotStartsAt: null })} />
              <span>
                <strong>{s.name}</strong> · {s.duration_minutes} min · <span className="price">{dollars(s.price_cents)}</span>
                {s.description && <span className="muted small"> {s.description}</span>}
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>2. Add-ons</legend>
        {catalog.add_ons.map((a) =>
          a.per_unit ? (
            <TextField
              key={a.key}
              label={`${a.name} (${dollars(a.price_cents)} each, up to ${Number(a.max_quantity ?? 1)})`}
              type="number"
              inputMode="numeric"
              min={0}
              max={Number(a.max_quantity ?? 1)}
              value={draft.addOns[a.key] ?? 0}
              onChange={(e) => setAddOn(a, Math.max(0, Math.min(Number(a.max_quantity ?? 1), Math.floor(Number(e.target.value) || 0))))}
              hint={typeof a.description === 'string' && a.description ? a.description : undefined}
            />
          ) : (
            <Checkbox
              key={a.key}
              label={`${a.name} (+${dollars(a.price_cents)})`}
              hint={[typeof a.description === 'string' ? a.description : '', Number(a.extra_minutes ?? 0) > 0 ? `+${Number(a.extra_minutes)} min` : ''].filter(Boolean).join(' · ') || undefined}
              checked={(draft.addOns[a.key] ?? 0) > 0}
              onChange={(e) => setAddOn(a, e.target.checked ? 1 : 0)}
            />
          ),
        )}
      </fieldset>

      <fieldset className="card">
        <legend>3. Day and time</legend>
        {!q.service ? (
          <p className="muted">Pick a service first: the times offered depend on its length.</p>
        ) : (
          <SlotPicker
            tz={tz}
            month={month}
            day={draft.day}
            slotId={draft.slotId}
            minutes={q.minutes}
            onMonth={(m) => update({ month: m })}
            onDay={(d) => update({ day: d })}
            onSlot={(s) => update({ slotId: s.id, slotStartsAt: s.starts_at, day: s.date })}
          />
        )}
        {draft.slotStartsAt && <p className="picked">Your time: <strong>{formatDateTime(draft.slotStartsAt, tz)}</strong></p>}
      </fieldset>

      <fieldset className="card">
        <legend>4. Where we bring it</legend>
        <TextField label="Street address" autoComplete="street-address" value={draft.address.street} onChange={(e) => update({ address: { ...draft.address, street: e.target.value } })} />
        <div className="row">
          <TextField label="City" autoComplete="address-level2" value={draft.address.city} onChange={(e) => update({ address: { ...draft.address, city: e.target.value } })} />
          <TextField label="State" autoComplete="address-level1" value={draft.address.state} onChange={(e) => update({ address: { ...draft.address, state: e.target.value } })} />
          <TextField
            label="Zip code"
            autoComplete="postal-code"
            inputMode="numeric"
            value={draft.address.zip}
            error={zipProblem}
            hint={zips.length ? `We serve ${zips.join(', ')}.` : 'We drive anywhere in our area.'}
            onChange={(e) => update({ address: { ...draft.address, zip: e.target.value } })}
          />
        </div>
      </fieldset>

      {session && balance > 0 && (
        <fieldset className="card">
          <legend>5. Credits</legend>
          <TextField
            label={`Credits to use (you have ${balance}; 1 credit = $1)`}
            type="number"
            inputMode="numeric"
            min={0}
            max={q.maxCredits}
            value={q.credits}
            onChange={(e) => update({ credits: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
            hint={`Up to ${q.maxCredits} on this booking.`}
          />
        </fieldset>
      )}

      <section className="card" aria-labelledby="price-heading">
        <h2 id="price-heading">Price</h2>
        <table className="price-table">
          <tbody>
            {q.lines.map((l) => (
              <tr key={l.label}>
                <th scope="row">{l.label}</th>
                <td>{dollars(l.cents)}</td>
              </tr>
            ))}
            {q.setupFee > 0 && (
              <tr>
                <th scope="row">Setup fee (first booking only)</th>
                <td>{dollars(q.setupFee)}</td>
              </tr>
            )}
            {q.credits > 0 && (
              <tr>
                <th scope="row">Credits ({q.credits})</th>
                <td>−{dollars(q.credits * 100)}</td>
              </tr>
            )}
            <tr className="total">
              <th scope="row">Total</th>
              <td>{dollars(q.total)}</td>
            </tr>
          </tbody>
        </table>
        {!session && <p className="muted small">Signed out, we show the setup fee of a first booking; it is charged once per customer.</p>}
      </section>

      <ErrorMessage error={book.error} onRetry={() => book.mutate()} />
      {session ? (
        <>
          {!ready && <p className="muted">{!q.service ? 'Pick a service.' : !draft.slotId ? 'Pick a day and a time.' : 'Fill in the address.'}</p>}
          <Button type="submit" disabled={!ready} busy={book.isPending}>
            Continue to payment
          </Button>
        </>
      ) : (
        <Notice>
          <p>
            <strong>Sign in or create an account to pay.</strong> Your choices are kept.
          </p>
          <div className="row">
            <Link className="btn btn-primary" to="/login" search={{ redirect: '/book' }}>
              Sign in
            </Link>
            <Link className="btn btn-secondary" to="/signup" search={{ redirect: '/book' }}>
              Sign up
            </Link>
          </div>
        </Notice>
      )}
    </form>
  );
}

function Booked({ result, tz }: { result: NewBooking; tz: string }) {
  const { booking, order, checkout } = result;
  const subtotal = Number(order.metadata.subtotal_cents ?? booking.total_amount ?? 0);
  return (
    <section className="card" aria-labelledby="booked-heading">
      <h2 id="booked-heading">{order.status === 'paid' ? 'Booked and paid' : 'Booked: one step left'}</h2>
      <p>
        {formatDateTime(booking.date_time, tz)} at {booking.address.street}, {booking.address.city}
      </p>
      <table className="price-table">
        <caption>What we charge</caption>
        <tbody>
          <tr>
            <th scope="row">Service and add-ons</th>
            <td>{dollars(subtotal)}</td>
          </tr>
          {order.setup_fee_applied > 0 && (
            <tr>
              <th scope="row">Setup fee</th>
              <td>{dollars(order.setup_fee_applied)}</td>
            </tr>
          )}
          {order.credits_applied > 0 && (
            <tr>
              <th scope="row">Credits ({order.credits_applied})</th>
              <td>−{dollars(order.credits_applied * 100)}</td>
            </tr>
          )}
          <tr className="total">
            <th scope="row">To pay</th>
            <td>{dollars(order.amount)}</td>
          </tr>
        </tbody>
      </table>
      {checkout ? (
        <>
          <p>Your place is held for a short while. Pay now to confirm it.</p>
          <a className="btn btn-primary" href={checkout.url}>
            Pay {dollars(order.amount)} now
          </a>
        </>
      ) : (
        <Notice tone="success">Paid with credits: you are all set.</Notice>
      )}
      <p>
        <Link to="/account/bookings">See my bookings</Link>
      </p>
    </section>
  );
}
