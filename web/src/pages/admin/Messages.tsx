import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../../api/client';
import { humanize, MESSAGE_KINDS, MESSAGE_STATUSES, type Message } from '../../api/admin-people';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, SelectField } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { formatDateTime, zoneName } from '../../lib/time';
import { Pager } from './Pager';

const LIMIT = 50;

/** The message log (admins): what was sent to whom and when, what failed, and "Retry" for a failed one. */
export function MessagesPage() {
  const search = useSearch({ from: '/admin/messages' });
  const navigate = useNavigate({ from: '/admin/messages' });
  const tz = useTimezone();
  const client = useQueryClient();
  const status = MESSAGE_STATUSES.find((s) => s === search.status);
  const kind = MESSAGE_KINDS.find((k) => k === search.kind);
  const [retried, setRetried] = useState<string>();
  const filters = `${status ?? ''}/${kind ?? ''}`;
  const [page, setPage] = useState({ filters, offset: 0 });
  const offset = page.filters === filters ? page.offset : 0;
  const query = useQuery({
    queryKey: ['admin', 'messages', status ?? 'all', kind ?? 'all', offset],
    queryFn: () =>
      api<{ messages: Message[]; total: number }>(
        `/api/admin/messages?${new URLSearchParams({ ...(status ? { status } : {}), ...(kind ? { kind } : {}), limit: String(LIMIT), offset: String(offset) })}`,
      ),
  });
  const retry = useMutation({
    mutationFn: (m: Message) => api(`/api/admin/messages/${m.id}/retry`, { method: 'POST' }),
    onSuccess: async (_r, m) => {
      setRetried(`The ${humanize(m.kind).toLowerCase()} to ${m.recipient} will be sent again.`);
      await client.invalidateQueries({ queryKey: ['admin', 'messages'] });
    },
  });

  return (
    <section>
      <PageTitle lead={`Every email and text, newest first (times in ${zoneName(tz)}).`}>Messages</PageTitle>
      <div className="people-filters">
        <SelectField label="Status" value={status ?? ''} onChange={(e) => void navigate({ search: (s) => ({ ...s, status: e.target.value || undefined }) })}>
          <option value="">All</option>
          {MESSAGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </SelectField>
        <SelectField label="Kind" value={kind ?? ''} onChange={(e) => void navigate({ search: (s) => ({ ...s, kind: e.target.value || undefined }) })}>
          <option value="">All</option>
          {MESSAGE_KINDS.map((k) => (
            <option key={k} value={k}>
              {humanize(k)}
            </option>
          ))}
        </SelectField>
      </div>
      {retried && <Notice tone="success">{retried}</Notice>}
      <ErrorMessage error={retry.error} />
      <QueryState query={query}>
        {(data) =>
          data.messages.length === 0 ? (
            <p>No messages{status || kind ? ' match these filters' : ' yet'}.</p>
          ) : (
            <>
              <Pager offset={offset} limit={LIMIT} total={data.total} shown={data.messages.length} onChange={(o) => setPage({ filters, offset: o })} noun={['message', 'messages']} />
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Messages</caption>
                  <thead>
                    <tr>
                      <th scope="col">Created</th>
                      <th scope="col">What</th>
                      <th scope="col">To</th>
                      <th scope="col">Status</th>
                      <th scope="col">Sent</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.messages.map((m) => (
                      <tr key={m.id}>
                        <td>{formatDateTime(m.created_at, tz)}</td>
                        <td>
                          {humanize(m.kind)} <span className="muted">({m.channel === 'sms' ? 'text' : 'email'})</span>
                        </td>
                        <td className="break">{m.recipient}</td>
                        <td>
                          {humanize(m.status)}
                          {m.attempts > 0 ? <span className="muted"> after {m.attempts === 1 ? '1 attempt' : `${m.attempts} attempts`}</span> : null}
                          {m.last_error && m.status !== 'sent' ? <p className="field-error">{m.last_error}</p> : null}
                        </td>
                        <td>{m.sent_at ? formatDateTime(m.sent_at, tz) : '—'}</td>
                        <td>
                          {m.status === 'failed' && (
                            <Button variant="secondary" busy={retry.isPending && retry.variables?.id === m.id} onClick={() => retry.mutate(m)} aria-label={`Retry the ${humanize(m.kind).toLowerCase()} to ${m.recipient}`}>
                              Retry
                            </Button>
                          )}
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
