import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client';
import { humanize, parseDollars, type AdminOrder } from '../../api/admin-people';
import { describeError } from '../../api/errors';
import { atLeast, useMe } from '../../auth/session';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, SelectField, TextField } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { dollars, formatDateTime } from '../../lib/time';

/** One order (admins): what was paid, the refunds, the provider's webhook events, and "Refund". */
export function OrderPage() {
  const me = useMe();
  if (!atLeast(me.data?.staff_role, 'admin')) {
    return (
      <section>
        <PageTitle lead="Orders, payments and refunds are for admins.">Order</PageTitle>
      </section>
    );
  }
  return <OrderDetail />;
}

function OrderDetail() {
  const { id } = useParams({ from: '/admin/orders/$id' });
  const tz = useTimezone();
  const query = useQuery({ queryKey: ['admin', 'order', id], queryFn: () => api<AdminOrder>(`/api/admin/orders/${id}`) });
  return (
    <section>
      <p>
        <Link to="/admin/orders">← All orders</Link>
      </p>
      <QueryState query={query}>
        {(d) => {
          const o = d.order;
          const paidTotal = o.amount + o.credits_applied * 100;
          return (
            <>
              <PageTitle lead={`Created ${formatDateTime(o.created_at, tz)}`}>
                Order: {humanize(o.status)}
              </PageTitle>
              <div className="grid grid-2 people-grid">
                <section className="card" aria-labelledby="payment-h">
                  <h2 id="payment-h">Payment</h2>
                  <dl className="facts">
                    <dt>Customer</dt>
                    <dd>
                      {d.customer ? (
                        <Link to="/admin/customers/$id" params={{ id: d.customer.id }}>
                          {d.customer.full_name || d.customer.email}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </dd>
                    <dt>By card</dt>
                    <dd>{dollars(o.amount)}</dd>
                    <dt>In credits</dt>
                    <dd>
                      {o.credits_applied} ({dollars(o.credits_applied * 100)})
                    </dd>
                    {o.setup_fee_applied > 0 && (
                      <>
                        <dt>Of which setup fee</dt>
                        <dd>{dollars(o.setup_fee_applied)}</dd>
                      </>
                    )}
                    <dt>Paid</dt>
                    <dd>{o.paid_at ? formatDateTime(o.paid_at, tz) : 'Not paid'}</dd>
                    <dt>Provider</dt>
                    <dd>
                      {o.provider ?? '—'}
                      {d.transaction_reference ? `, reference ${d.transaction_reference}` : ''}
                    </dd>
                    <dt>Refunded</dt>
                    <dd>
                      {dollars(o.refunded_cents)} of {dollars(paidTotal)} ({dollars(o.card_refunded_cents)} to the card)
                    </dd>
                    {o.staff_flags && Object.keys(o.staff_flags).length > 0 && (
                      <>
                        <dt>Flags</dt>
                        <dd>
                          {Object.keys(o.staff_flags).map(humanize).join(', ')}
                          <FlagsReview detail={d} />
                        </dd>
                      </>
                    )}
                  </dl>
                  {d.bookings.length > 0 && (
                    <>
                      <h3>Bookings</h3>
                      <ul>
                        {d.bookings.map((b) => (
                          <li key={b.id}>
                            {humanize(b.service_type)}, {formatDateTime(b.date_time, tz)}: {humanize(b.status)}
                          </li>
                        ))}
                      </ul>
                    </>
                  )}
                </section>
                <RefundForm detail={d} />
              </div>

              <h2>Refunds</h2>
              {d.refunds.length === 0 ? (
                <p>No refunds.</p>
              ) : (
                <div className="table-wrap">
                  <table aria-label="Refunds">
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Amount</th>
                        <th scope="col">To</th>
                        <th scope="col">Status</th>
                        <th scope="col">Provider reference</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.refunds.map((r) => (
                        <tr key={r.id}>
                          <td>{formatDateTime(r.created_at, tz)}</td>
                          <td>{dollars(r.amount_cents)}</td>
                          <td>{r.destination === 'card' ? 'Card' : 'Credits'}</td>
                          <td>
                            {humanize(r.status)}
                            {r.failure_reason ? `: ${humanize(r.failure_reason)}` : ''}
                          </td>
                          <td>{r.provider_refund_reference ?? r.provider_refund_id ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}

              <h2>Webhook events</h2>
              {d.events.length === 0 ? (
                <p>No events from the payment provider.</p>
              ) : (
                <div className="table-wrap">
                  <table aria-label="Webhook events">
                    <thead>
                      <tr>
                        <th scope="col">Received</th>
                        <th scope="col">Type</th>
                        <th scope="col">Outcome</th>
                        <th scope="col">Event id</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.events.map((e) => (
                        <tr key={e.id}>
                          <td>{formatDateTime(e.received_at, tz)}</td>
                          <td>
                            {e.provider}: {e.type}
                          </td>
                          <td>{e.outcome ? humanize(e.outcome) : '—'}</td>
                          <td className="break">{e.id}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

/** Refund part or all of what is left, to the card or as credits (whole dollars); the API refuses more than was paid. */
function RefundForm({ detail }: { detail: AdminOrder }) {
  const client = useQueryClient();
  const id = detail.order.id;
  const [amount, setAmount] = useState('');
  const [to, setTo] = useState<'card' | 'credits'>('card');
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const refund = useMutation({
    mutationFn: (body: { amount_cents: number; to: 'card' | 'credits' }) => api(`/api/admin/orders/${id}/refund`, { method: 'POST', body }),
    onSuccess: async (_res, body) => {
      setDone(`Refunded ${dollars(body.amount_cents)} ${body.to === 'card' ? 'to the card' : 'as credits'}.`);
      setAmount('');
      await client.invalidateQueries({ queryKey: ['admin'] });
    },
    onError: (err) => {
      let text = describeError(err);
      const left = err instanceof ApiError ? (err.details as { refundable?: number } | undefined)?.refundable : undefined;
      if (typeof left === 'number') text += ` At most ${dollars(left)} can be refunded${to === 'card' ? ' to the card' : ''}.`;
      setProblem(text);
    },
  });
  const refundable = to === 'card' ? detail.card_refundable_cents : detail.refundable_cents;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    const cents = parseDollars(amount);
    if (cents === undefined || cents === 0) return setProblem('Enter the amount in dollars, e.g. 25.50.');
    if (to === 'credits' && cents % 100 !== 0) return setProblem('Refunds as credits are in whole dollars (1 credit = $1).');
    setProblem(undefined);
    refund.mutate({ amount_cents: cents, to });
  };

  if (detail.order.status !== 'paid') {
    return (
      <section className="card" aria-labelledby="refund-h">
        <h2 id="refund-h">Refund</h2>
        <p>{detail.order.status === 'refunded' ? 'Everything paid has been refunded.' : `A ${detail.order.status} order cannot be refunded.`}</p>
        {done && <Notice tone="success">{done}</Notice>}
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="refund-h">
      <h2 id="refund-h">Refund</h2>
      <p data-testid="refundable">
        Up to <strong>{dollars(detail.refundable_cents)}</strong> can be refunded, {dollars(detail.card_refundable_cents)} of it to the card.
      </p>
      <form onSubmit={submit} noValidate>
        <TextField label="Amount in dollars" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} hint={`At most ${dollars(refundable)} ${to === 'card' ? 'to the card' : 'as credits'}`} />
        <SelectField label="Refund to" value={to} onChange={(e) => setTo(e.target.value === 'credits' ? 'credits' : 'card')}>
          <option value="card">The card</option>
          <option value="credits">Credits (whole dollars)</option>
        </SelectField>
        {problem && (
          <div className="alert alert-error" role="alert">
            <p>{problem}</p>
          </div>
        )}
        {done && <Notice tone="success">{done}</Notice>}
        <Button type="submit" busy={refund.isPending}>
          Refund
        </Button>
      </form>
    </section>
  );
}

/** Whether the order's flags were reviewed, or "Mark reviewed" (it takes the order off the Today page's list). */
function FlagsReview({ detail }: { detail: AdminOrder }) {
  const tz = useTimezone();
  const queryClient = useQueryClient();
  const review = useMutation({
    mutationFn: () => api<{ reviewed_at: string }>(`/api/admin/orders/${detail.order.id}/flags/review`, { method: 'POST' }),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['admin', 'order', detail.order.id] }),
        queryClient.invalidateQueries({ queryKey: ['admin', 'flagged-orders'] }),
        queryClient.invalidateQueries({ queryKey: ['admin', 'orders'] }),
      ]),
  });
  const done = detail.flags_review;
  if (done) {
    const who = done.reviewed_by ? done.reviewed_by.full_name || done.reviewed_by.email : 'a former team member';
    return (
      <p className="muted" data-testid="flags-reviewed">
        Reviewed by {who}, {formatDateTime(done.reviewed_at, tz)}.
      </p>
    );
  }
  return (
    <div className="flags-review">
      <p className="muted">Awaiting review: this order is listed on the Today page until someone marks it reviewed.</p>
      <Button variant="secondary" busy={review.isPending} onClick={() => review.mutate()}>
        Mark reviewed
      </Button>
      <ErrorMessage error={review.error} />
    </div>
  );
}
