import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../../api/client';
import { humanize, ORDER_STATUSES, type Order } from '../../api/admin-people';
import { atLeast, useMe } from '../../auth/session';
import { PageTitle, QueryState, SelectField } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { dollars, formatDateTime } from '../../lib/time';
import { Pager } from './Pager';

const LIMIT = 50;

/** Everyone's orders, newest first, filtered by status (admins: the API shows operators none but their own). */
export function OrdersPage() {
  const me = useMe();
  const admin = atLeast(me.data?.staff_role, 'admin');
  if (!admin) {
    return (
      <section>
        <PageTitle lead="Orders, payments and refunds are for admins. Ask an admin to refund a customer.">Orders</PageTitle>
      </section>
    );
  }
  return <OrdersList />;
}

function OrdersList() {
  const { status } = useSearch({ from: '/admin/orders' });
  const navigate = useNavigate({ from: '/admin/orders' });
  const tz = useTimezone();
  const filter = ORDER_STATUSES.find((s) => s === status);
  const [page, setPage] = useState({ filter, offset: 0 });
  const offset = page.filter === filter ? page.offset : 0;
  const query = useQuery({
    queryKey: ['admin', 'orders', filter ?? 'all', offset],
    queryFn: () =>
      api<{ orders: Order[]; total: number }>(`/api/orders?${new URLSearchParams({ ...(filter ? { status: filter } : {}), limit: String(LIMIT), offset: String(offset) })}`),
  });
  return (
    <section>
      <PageTitle lead="Every order, newest first. Open one for its payments and refunds.">Orders</PageTitle>
      <div className="people-filters">
        <SelectField label="Status" value={filter ?? ''} onChange={(e) => void navigate({ search: { status: e.target.value || undefined } })}>
          <option value="">All</option>
          {ORDER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState query={query}>
        {(data) =>
          data.orders.length === 0 ? (
            <p>No {filter ? `${filter} ` : ''}orders.</p>
          ) : (
            <>
              <Pager offset={offset} limit={LIMIT} total={data.total} shown={data.orders.length} onChange={(o) => setPage({ filter, offset: o })} noun={['order', 'orders']} />
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Orders</caption>
                  <thead>
                    <tr>
                      <th scope="col">Created</th>
                      <th scope="col">Customer</th>
                      <th scope="col">Status</th>
                      <th scope="col">Card</th>
                      <th scope="col">Credits used</th>
                      <th scope="col">Refunded</th>
                      <th scope="col">Flags</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.orders.map((o) => (
                      <tr key={o.id}>
                        <td>
                          <Link to="/admin/orders/$id" params={{ id: o.id }}>
                            {formatDateTime(o.created_at, tz)}
                          </Link>
                        </td>
                        <td>{o.customer ? <Link to="/admin/customers/$id" params={{ id: o.customer.id }}>{o.customer.full_name || o.customer.email}</Link> : '—'}</td>
                        <td>{humanize(o.status)}</td>
                        <td>{dollars(o.amount)}</td>
                        <td>{o.credits_applied}</td>
                        <td>{o.refunded_cents ? dollars(o.refunded_cents) : '—'}</td>
                        <td>{o.staff_flags && Object.keys(o.staff_flags).length ? Object.keys(o.staff_flags).map(humanize).join(', ') : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )
        }
      </QueryState>
    </section>
  );
}
