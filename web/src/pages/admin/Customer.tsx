import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { humanize, type CustomerDetail, type LedgerEntry } from '../../api/admin-people';
import { atLeast, useMe } from '../../auth/session';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, Stars, TextField } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { dollars, formatDateTime } from '../../lib/time';

/** One customer: profile, bookings, reviews; for admins also orders, the credits ledger, referrals and "Adjust credits". */
export function CustomerPage() {
  const { id } = useParams({ from: '/admin/customers/$id' });
  const query = useQuery({ queryKey: ['admin', 'customer', id], queryFn: () => api<CustomerDetail>(`/api/admin/customers/${id}`) });
  const me = useMe();
  const admin = atLeast(me.data?.staff_role, 'admin');
  const tz = useTimezone();

  return (
    <section>
      <p>
        <Link to="/admin/customers">← All customers</Link>
      </p>
      <QueryState query={query}>
        {(c) => (
          <>
            <PageTitle lead={c.profile.email}>{c.profile.full_name || c.profile.email}</PageTitle>
            <div className="grid grid-2 people-grid">
              <section className="card" aria-labelledby="profile-h">
                <h2 id="profile-h">Profile</h2>
                <dl className="facts">
                  <dt>Email</dt>
                  <dd>{c.profile.email}</dd>
                  <dt>Phone</dt>
                  <dd>{c.profile.phone ?? '—'}</dd>
                  <dt>Address</dt>
                  <dd>{c.profile.address ? `${c.profile.address.street}, ${c.profile.address.city}, ${c.profile.address.state} ${c.profile.address.zip}` : '—'}</dd>
                  <dt>Credits</dt>
                  <dd data-testid="credit-balance">
                    {c.profile.credits} ({dollars(c.profile.credits * 100)})
                  </dd>
                  <dt>Referral code</dt>
                  <dd>{c.profile.referral_code ?? '—'}</dd>
                  <dt>Customer since</dt>
                  <dd>{formatDateTime(c.profile.created_at, tz)}</dd>
                </dl>
              </section>
              {admin && <AdjustCredits customerId={c.profile.id} />}
            </div>

            <h2>Bookings</h2>
            {c.bookings.length === 0 ? (
              <p>No bookings.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Service</th>
                      <th scope="col">Status</th>
                      <th scope="col">Total</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.bookings.map((b) => (
                      <tr key={b.id}>
                        <td>{formatDateTime(b.date_time, tz)}</td>
                        <td>{humanize(b.service_type)}</td>
                        <td>{humanize(b.status)}</td>
                        <td>{b.total_amount === null ? '—' : dollars(b.total_amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}

            {c.orders && (
              <>
                <h2>Orders</h2>
                {c.orders.length === 0 ? (
                  <p>No orders.</p>
                ) : (
                  <div className="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Created</th>
                          <th scope="col">Status</th>
                          <th scope="col">Card</th>
                          <th scope="col">Credits used</th>
                          <th scope="col">Refunded</th>
                        </tr>
                      </thead>
                      <tbody>
                        {c.orders.map((o) => (
                          <tr key={o.id}>
                            <td>
                              <Link to="/admin/orders/$id" params={{ id: o.id }}>
                                {formatDateTime(o.created_at, tz)}
                              </Link>
                            </td>
                            <td>{humanize(o.status)}</td>
                            <td>{dollars(o.amount)}</td>
                            <td>{o.credits_applied}</td>
                            <td>{dollars(o.refunded_cents)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </>
            )}

            {c.credit_ledger && <Ledger rows={c.credit_ledger} tz={tz} />}

            {c.referrals && (
              <>
                <h2>Referrals</h2>
                {c.referrals.made.length + c.referrals.received.length === 0 ? (
                  <p>No referrals.</p>
                ) : (
                  <ul>
                    {c.referrals.received.map((r) => (
                      <li key={r.id}>
                        Referred by a customer ({humanize(r.status)}), {formatDateTime(r.created_at, tz)}
                      </li>
                    ))}
                    {c.referrals.made.map((r) => (
                      <li key={r.id}>
                        Invited {r.invitee_email}: {humanize(r.status)}
                        {r.rewarded_at ? `, rewarded ${r.reward_credits} credits` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )}

            <h2>Reviews</h2>
            {c.reviews.length === 0 ? (
              <p>No reviews.</p>
            ) : (
              <ul className="plain-list">
                {c.reviews.map((r) => (
                  <li key={r.id} className="card">
                    <Stars rating={r.rating} /> {r.is_featured ? <strong>Featured</strong> : null}
                    <p>{r.comment ?? <span className="muted">No comment</span>}</p>
                    <p className="muted">{formatDateTime(r.created_at, tz)}</p>
                  </li>
                ))}
              </ul>
            )}
            {!admin && <p className="muted">Orders, the credits ledger and referrals are shown to admins.</p>}
          </>
        )}
      </QueryState>
    </section>
  );
}

function Ledger({ rows, tz }: { rows: LedgerEntry[]; tz: string }) {
  return (
    <>
      <h2>Credits ledger</h2>
      {rows.length === 0 ? (
        <p>No credit movements.</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Credits ledger">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Credits</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.created_at, tz)}</td>
                  <td>{humanize(r.type)}</td>
                  <td>{r.amount > 0 ? `+${r.amount}` : r.amount}</td>
                  <td>{r.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Admins: add or take away credits, with a reason the ledger keeps. */
function AdjustCredits({ customerId }: { customerId: string }) {
  const client = useQueryClient();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const adjust = useMutation({
    mutationFn: (body: { amount: number; description: string }) =>
      api<{ balance: number }>(`/api/admin/customers/${customerId}/credits`, { method: 'POST', body }),
    onSuccess: async (res, body) => {
      setDone(`${body.amount > 0 ? 'Added' : 'Took away'} ${Math.abs(body.amount)} credits. The balance is now ${res.balance}.`);
      setAmount('');
      setReason('');
      await client.invalidateQueries({ queryKey: ['admin', 'customer', customerId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    const n = Number(amount);
    if (!/^-?\d+$/.test(amount.trim()) || n === 0) return setProblem('Enter a whole number of credits other than 0, e.g. 10 or -5.');
    if (!reason.trim()) return setProblem('Say why, for the ledger.');
    setProblem(undefined);
    adjust.mutate({ amount: n, description: reason.trim() });
  };
  return (
    <section className="card" aria-labelledby="adjust-h">
      <h2 id="adjust-h">Adjust credits</h2>
      <form onSubmit={submit} noValidate>
        <TextField label="Credits" inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} hint="1 credit = $1; negative takes credits away" />
        <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        {problem && (
          <p className="field-error" role="alert">
            {problem}
          </p>
        )}
        <ErrorMessage error={adjust.error} />
        {done && <Notice tone="success">{done}</Notice>}
        <Button type="submit" busy={adjust.isPending}>
          Adjust credits
        </Button>
      </form>
    </section>
  );
}
