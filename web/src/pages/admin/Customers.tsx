import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { CustomerSearch } from '../../api/admin-people';
import { Button, PageTitle, QueryState, TextField } from '../../components/ui';
import { dollars } from '../../lib/time';

/** Find a customer by name, surname, email or phone; each result opens the customer's page. */
export function CustomersPage() {
  const { q } = useSearch({ from: '/admin/customers' });
  const navigate = useNavigate({ from: '/admin/customers' });
  const [text, setText] = useState(q ?? '');
  const query = useQuery({
    queryKey: ['admin', 'customers', q ?? ''],
    queryFn: () => api<CustomerSearch>(`/api/admin/customers?${new URLSearchParams({ q: q ?? '', limit: '50' })}`),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void navigate({ search: { q: text.trim() || undefined } });
  };

  return (
    <section>
      <PageTitle lead="Find a customer by name, email or phone number.">Customers</PageTitle>
      <form role="search" onSubmit={submit} className="people-search">
        <TextField label="Search customers" type="search" value={text} onChange={(e) => setText(e.target.value)} hint="The start of a first name or surname, an email, or phone digits" maxLength={100} />
        <Button type="submit">Search</Button>
      </form>
      <QueryState query={query}>
        {(data) =>
          data.customers.length === 0 ? (
            <p>{q ? `No customer matches “${q}”.` : 'No customers yet.'}</p>
          ) : (
            <>
              <p className="muted" aria-live="polite">
                {data.total === 1 ? '1 customer' : `${data.total} customers`}
                {data.total > data.customers.length ? `, the first ${data.customers.length} shown` : ''}
              </p>
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Customers found</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Email</th>
                      <th scope="col">Phone</th>
                      <th scope="col">Credits</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.customers.map((c) => (
                      <tr key={c.id}>
                        <td>
                          <Link to="/admin/customers/$id" params={{ id: c.id }} className="row-link">
                            {c.full_name || c.email}
                          </Link>
                        </td>
                        <td>{c.email}</td>
                        <td>{c.phone ?? '—'}</td>
                        <td>
                          {c.credits} <span className="muted">({dollars(c.credits * 100)})</span>
                        </td>
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
