import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { CustomerSearch } from '../../api/admin-people';
import { Button, PageTitle, QueryState, TextField } from '../../components/ui';
import { dollars } from '../../lib/time';
import { Pager } from './Pager';

const LIMIT = 50;

/** Find a customer by name, surname, email or phone; each result opens the customer's page. */
export function CustomersPage() {
  const { q } = useSearch({ from: '/admin/customers' });
  const navigate = useNavigate({ from: '/admin/customers' });
  const [text, setText] = useState(q ?? '');
  const [page, setPage] = useState({ q, offset: 0 });
  const offset = page.q === q ? page.offset : 0; // a new search starts at its first page
  const query = useQuery({
    queryKey: ['admin', 'customers', q ?? '', offset],
    queryFn: () => api<CustomerSearch>(`/api/admin/customers?${new URLSearchParams({ q: q ?? '', limit: String(LIMIT), offset: String(offset) })}`),
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
              <Pager offset={offset} limit={LIMIT} total={data.total} shown={data.customers.length} onChange={(o) => setPage({ q, offset: o })} noun={['customer', 'customers']} />
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
