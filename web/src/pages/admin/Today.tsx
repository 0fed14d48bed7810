import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useId, useState } from 'react';
import {
  bookingsBetween,
  cancelBooking,
  completeBooking,
  confirmBooking,
  dayStart,
  describeAddOns,
  statusLabel,
  type CancellationMoney,
  type Message,
  type RefundNeeded,
  type RefundTo,
  type StaffBooking,
} from '../../api/admin-day';
import type { Order } from '../../api/admin-people';
import { api, ApiError } from '../../api/client';
import { atLeast, useMe } from '../../auth/session';
import { Button, ErrorMessage, Notice, PageTitle, QueryState } from '../../components/ui';
import { useCatalog, useTimezone } from '../../lib/business';
import { addDaysKey, dayKey, dollars, formatDateTime, formatDay, formatTime, todayIn, zoneName } from '../../lib/time';

const route = getRouteApi('/admin/');

/** What each action tells the customer (the triggers decide the messages: README "### Messages"). */
export const TOLD = {
  confirm: 'The customer gets a confirmation email with the calendar file (and a text if they opted in to texts).',
  complete: 'The customer gets a review request email a little later (2 hours by default).',
  cancelAdmin: 'The customer gets a cancellation email saying what happens to the money.',
  cancelOperator: 'The customer gets a cancellation email. If they paid, an admin decides the refund (it goes on the “needs a refund” list).',
} as const;

function useNames() {
  const catalog = useCatalog();
  const services: Record<string, string> = {};
  const addOns: Record<string, string> = {};
  for (const s of catalog.data?.services ?? []) services[s.key] = s.name;
  for (const a of catalog.data?.add_ons ?? []) addOns[a.key] = a.name;
  return { services, addOns };
}

const mapLink = (b: StaffBooking): string | null => {
  const a = b.address;
  if (!a?.street) return null;
  const text = `${a.street}, ${a.city}, ${a.state} ${a.zip}`;
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(text)}`;
};

/** The staff console's home: the day's sessions in time order, and what needs attention. */
export function TodayPage() {
  const tz = useTimezone();
  const search = route.useSearch();
  const today = todayIn(tz);
  const day = search.day && /^\d{4}-\d{2}-\d{2}$/.test(search.day) ? search.day : today;
  const me = useMe();
  const role = me.data?.staff_role ?? null;
  const isAdmin = atLeast(role, 'admin');

  const bookings = useQuery({
    queryKey: ['admin', 'day', day, tz],
    queryFn: () => bookingsBetween(dayStart(day, tz), dayStart(addDaysKey(day, 1), tz)),
    refetchInterval: 60_000,
  });

  return (
    <section className="admin-today">
      <PageTitle lead={`Sessions in time order, ${zoneName(tz, dayStart(day, tz))} times.`}>{day === today ? 'Today' : formatDay(dayStart(day, tz), tz)}</PageTitle>
      <nav aria-label="Choose the day" className="row day-nav">
        <Link className="btn btn-secondary" to="/admin" search={{ day: addDaysKey(day, -1) }}>
          Previous day
        </Link>
        <Link className="btn btn-secondary" to="/admin" search={{ day: undefined }}>
          Today
        </Link>
        <Link className="btn btn-secondary" to="/admin" search={{ day: addDaysKey(day, 1) }}>
          Next day
        </Link>
        <span className="muted">{formatDay(dayStart(day, tz), tz)}</span>
      </nav>

      <h2>Sessions</h2>
      <QueryState query={bookings}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No sessions booked on this day.</p>
          ) : (
            <ol className="session-list">
              {list.map((b) => (
                <SessionCard key={b.id} booking={b} tz={tz} isAdmin={isAdmin} />
              ))}
            </ol>
          )
        }
      </QueryState>

      <NeedsAttention tz={tz} isAdmin={isAdmin} />
    </section>
  );
}

function SessionCard({ booking: b, tz, isAdmin }: { booking: StaffBooking; tz: string; isAdmin: boolean }) {
  const names = useNames();
  const queryClient = useQueryClient();
  const [cancelling, setCancelling] = useState(false);
  const [refund, setRefund] = useState<RefundTo>('card');
  const [money, setMoney] = useState<CancellationMoney | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const headingId = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin'] });

  const confirm = useMutation({ mutationFn: () => confirmBooking(b.id), onSuccess: () => (setDone('Confirmed. The confirmation email is on its way.'), refresh()) });
  const complete = useMutation({ mutationFn: () => completeBooking(b.id), onSuccess: () => (setDone('Completed. The review request is queued.'), refresh()) });
  const cancel = useMutation({
    mutationFn: () => cancelBooking(b.id, isAdmin ? refund : undefined),
    onSuccess: (res) => {
      setMoney(res.money);
      setCancelling(false);
      void refresh();
    },
  });
  const error = confirm.error ?? complete.error ?? cancel.error;
  const started = Date.parse(b.date_time) <= Date.now();
  const live = b.status === 'scheduled' || b.status === 'confirmed';
  const name = b.customer?.full_name || b.customer?.email || 'Customer';
  const map = mapLink(b);
  const end = new Date(Date.parse(b.date_time) + b.duration * 60_000);

  return (
    <li className={`card session session-${b.status}`} aria-labelledby={headingId}>
      <h3 id={headingId}>
        {formatTime(b.date_time, tz)}–{formatTime(end, tz)} · {name}
      </h3>
      <dl className="session-facts">
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`badge badge-${b.status}`}>{statusLabel[b.status]}</span>
          </dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>{names.services[b.service_type] ?? b.service_type}</dd>
        </div>
        <div>
          <dt>Add-ons</dt>
          <dd>{describeAddOns(b.add_ons, names.addOns)}</dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{b.customer?.phone ? <a href={`tel:${b.customer.phone}`}>{b.customer.phone}</a> : <span className="muted">none given</span>}</dd>
        </div>
        <div>
          <dt>Address</dt>
          <dd>
            {map ? (
              <a href={map} target="_blank" rel="noreferrer">
                {b.address!.street}, {b.address!.city} {b.address!.zip}
                <span className="visually-hidden"> (map, opens in a new tab)</span>
              </a>
            ) : (
              <span className="muted">none given</span>
            )}
          </dd>
        </div>
        {b.notes && (
          <div>
            <dt>Notes</dt>
            <dd>{b.notes}</dd>
          </div>
        )}
      </dl>

      {live && (
        <div className="session-actions">
          {b.status === 'scheduled' && (
            <div className="action">
              <Button onClick={() => confirm.mutate()} busy={confirm.isPending}>
                Confirm<span className="visually-hidden"> {name}’s session</span>
              </Button>
              <p className="field-hint">{TOLD.confirm}</p>
            </div>
          )}
          {b.status === 'confirmed' && (
            <div className="action">
              <Button onClick={() => complete.mutate()} busy={complete.isPending} disabled={!started} aria-describedby={`${headingId}-complete`}>
                Complete<span className="visually-hidden"> {name}’s session</span>
              </Button>
              <p className="field-hint" id={`${headingId}-complete`}>
                {started ? TOLD.complete : `Possible once the session has started (${formatTime(b.date_time, tz)}). ${TOLD.complete}`}
              </p>
            </div>
          )}
          <div className="action">
            <Button variant="danger" onClick={() => setCancelling((v) => !v)} aria-expanded={cancelling}>
              Cancel<span className="visually-hidden"> {name}’s session</span>
            </Button>
            <p className="field-hint">{isAdmin ? TOLD.cancelAdmin : TOLD.cancelOperator}</p>
          </div>
        </div>
      )}

      {cancelling && (
        <form
          className="cancel-form"
          onSubmit={(e) => {
            e.preventDefault();
            cancel.mutate();
          }}
        >
          {isAdmin ? (
            <fieldset>
              <legend>If the customer paid, the money goes back</legend>
              {(
                [
                  ['card', 'To the card (what was paid in credits comes back as credits)'],
                  ['credits', 'As credits (1 credit = $1)'],
                  ['none', 'No refund'],
                ] as const
              ).map(([value, label]) => (
                <div className="check" key={value}>
                  <input type="radio" id={`${headingId}-${value}`} name={`${headingId}-refund`} value={value} checked={refund === value} onChange={() => setRefund(value)} />
                  <label htmlFor={`${headingId}-${value}`}>{label}</label>
                </div>
              ))}
            </fieldset>
          ) : (
            <p>As an operator you cannot refund: if the session was paid, it goes on the admins’ “needs a refund” list.</p>
          )}
          <div className="row">
            <Button type="submit" variant="danger" busy={cancel.isPending}>
              Cancel the session
            </Button>
            <Button variant="secondary" onClick={() => setCancelling(false)}>
              Keep it
            </Button>
          </div>
        </form>
      )}

      {error && <ErrorMessage error={error} />}
      {complete.error instanceof ApiError && complete.error.code === 'too_early' && <p className="field-error">The session has not started yet.</p>}
      {done && <Notice tone="success">{done}</Notice>}
      {money && (
        <Notice tone={money.outcome === 'refund_needed' ? 'warning' : 'success'}>
          Cancelled. {money.message}
        </Notice>
      )}
    </li>
  );
}

/** Awaiting payment, paid-but-cancelled needing a refund, orders flagged for review, failed messages. */
function NeedsAttention({ tz, isAdmin }: { tz: string; isAdmin: boolean }) {
  const names = useNames();
  const [now] = useState(() => new Date());
  const awaiting = useQuery({
    queryKey: ['admin', 'awaiting-payment'],
    queryFn: () => bookingsBetween(now, new Date(now.getTime() + 62 * 86_400_000), 'scheduled'),
  });
  const refunds = useQuery({
    queryKey: ['admin', 'refunds-needed'],
    queryFn: () => api<{ items: RefundNeeded[]; total: number }>('/api/admin/refunds/needed?limit=50'),
    enabled: isAdmin,
  });
  const flagged = useQuery({
    queryKey: ['admin', 'flagged-orders'],
    queryFn: () => api<{ orders: Order[]; total: number }>('/api/orders?flagged=true&limit=50'),
    enabled: isAdmin,
  });
  const failed = useQuery({
    queryKey: ['admin', 'failed-messages'],
    queryFn: () => api<{ messages: Message[]; total: number }>('/api/admin/messages?status=failed&limit=20'),
    enabled: isAdmin,
  });

  return (
    <section aria-labelledby="needs-attention" className="needs-attention">
      <h2 id="needs-attention">Needs attention</h2>
      <div className="attention-grid">
        <div className="card">
          <h3>Awaiting payment</h3>
          <QueryState query={awaiting}>
            {(list) =>
              list.length === 0 ? (
                <p className="muted">Nothing awaits payment.</p>
              ) : (
                <ul>
                  {list.slice(0, 20).map((b) => (
                    <li key={b.id}>
                      <Link to="/admin" search={{ day: dayKey(b.date_time, tz) }}>
                        {formatDateTime(b.date_time, tz)}
                      </Link>{' '}
                      · {b.customer?.full_name || b.customer?.email} · {names.services[b.service_type] ?? b.service_type}
                    </li>
                  ))}
                  {list.length > 20 && <li className="muted">and {list.length - 20} more</li>}
                </ul>
              )
            }
          </QueryState>
        </div>
        {isAdmin && (
          <>
            <div className="card">
              <h3>Paid but cancelled: needs a refund</h3>
              <QueryState query={refunds}>
                {(data) =>
                  data.items.length === 0 ? (
                    <p className="muted">No refund waits for a decision.</p>
                  ) : (
                    <ul>
                      {data.items.map((r) => (
                        <li key={r.order.id}>
                          <Link to="/admin/orders/$id" params={{ id: r.order.id }}>
                            {r.customer?.full_name || r.customer?.email || 'Order'}: {dollars(r.refundable_cents)} refundable
                          </Link>
                          {r.reason && <span className="muted"> ({r.reason.replace(/_/g, ' ')})</span>}
                        </li>
                      ))}
                    </ul>
                  )
                }
              </QueryState>
            </div>
            <div className="card">
              <h3>Orders flagged for review</h3>
              <QueryState query={flagged}>
                {({ orders, total }) =>
                  orders.length === 0 ? (
                    <p className="muted">No order awaits review.</p>
                  ) : (
                    <ul>
                      {orders.map((o) => (
                        <li key={o.id}>
                          <Link to="/admin/orders/$id" params={{ id: o.id }}>
                            {o.customer ? `${o.customer.full_name || o.customer.email}: ` : ''}
                            {dollars(o.amount)} order of {formatDateTime(o.created_at, tz)}
                          </Link>{' '}
                          <span className="muted">({Object.keys(o.staff_flags ?? {}).join(', ').replace(/_/g, ' ')})</span>
                        </li>
                      ))}
                      {total > orders.length && <li className="muted">and {total - orders.length} more</li>}
                    </ul>
                  )
                }
              </QueryState>
            </div>
            <div className="card">
              <h3>Failed messages</h3>
              <QueryState query={failed}>
                {(data) =>
                  data.messages.length === 0 ? (
                    <p className="muted">No message failed.</p>
                  ) : (
                    <>
                      <ul>
                        {data.messages.map((m) => (
                          <li key={m.id}>
                            {m.kind.replace(/_/g, ' ')} to {m.recipient} ({m.channel}){m.last_error && <span className="muted">: {m.last_error}</span>}
                          </li>
                        ))}
                      </ul>
                      <Link to="/admin/messages" search={{ status: 'failed' }}>
                        See all {data.total} failed messages and retry
                      </Link>
                    </>
                  )
                }
              </QueryState>
            </div>
          </>
        )}
      </div>
    </section>
  );
}
