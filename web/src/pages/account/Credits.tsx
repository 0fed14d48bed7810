import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../../api/client';
import type { CreditsResponse, ReferralsResponse } from '../../api/account';
import { RequireSignIn } from '../../auth/RequireSignIn';
import { PageTitle, QueryState } from '../../components/ui';
import { useCatalog, useTimezone } from '../../lib/business';
import { dollars, formatDay } from '../../lib/time';
import { describeLedgerEntry, signedCredits } from './ledger';

export function CreditsPage() {
  return (
    <RequireSignIn>
      <Credits />
    </RequireSignIn>
  );
}

function Credits() {
  const tz = useTimezone();
  const credits = useQuery({ queryKey: ['me', 'credits'], queryFn: () => api<CreditsResponse>('/api/me/credits?limit=200') });
  const catalog = useCatalog();
  const referrals = useQuery({ queryKey: ['referrals'], queryFn: () => api<ReferralsResponse>('/api/referrals') });
  const serviceName = (key: string) => catalog.data?.services.find((s) => s.key === key)?.name ?? key.replace(/_/g, ' ');
  const friendOf = (id: string) => referrals.data?.invitations.find((i) => i.id === id)?.invitee_email;

  return (
    <>
      <PageTitle lead="1 credit is worth $1 off a session. Credits are used at checkout when you book.">Credits</PageTitle>
      <QueryState query={credits}>
        {(data) => (
          <>
            <section className="card credits-balance" aria-labelledby="balance-heading">
              <h2 id="balance-heading">Your balance</h2>
              <p className="credits-figure">
                {data.balance.toLocaleString('en-US')} {data.balance === 1 ? 'credit' : 'credits'} <span className="muted">({dollars(data.balance * 100)})</span>
              </p>
              <p>
                <Link to="/book">Book a session</Link> to use them, or <Link to="/account/referrals">refer a friend</Link> to earn more.
              </p>
            </section>
            <section aria-labelledby="history-heading">
              <h2 id="history-heading">History</h2>
              {data.transactions.length === 0 ? (
                <p className="muted">No credits yet. When you earn or use credits, each change shows here.</p>
              ) : (
                <ul className="ledger">
                  {data.transactions.map((t) => (
                    <li key={t.id} className="ledger-row">
                      <span className="ledger-what">
                        {describeLedgerEntry(t, { serviceName, friendOf })}
                        <span className="muted ledger-when">{formatDay(t.created_at, tz)}</span>
                      </span>
                      <span className={`ledger-amount ${t.amount < 0 ? 'ledger-out' : 'ledger-in'}`}>{signedCredits(t.amount)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </>
        )}
      </QueryState>
    </>
  );
}
