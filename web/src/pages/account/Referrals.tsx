import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { CreditsResponse, Invitation, InviteResponse, ReferralsResponse } from '../../api/account';
import { describeError, errorCode } from '../../api/errors';
import { RequireSignIn } from '../../auth/RequireSignIn';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, TextField } from '../../components/ui';
import { useBusiness, useTimezone } from '../../lib/business';
import { dollars, formatDay } from '../../lib/time';

export function ReferralsPage() {
  return (
    <RequireSignIn>
      <Referrals />
    </RequireSignIn>
  );
}

const statusWords: Record<Invitation['status'], string> = {
  pending: 'Invited: not signed up yet',
  accepted: 'Signed up with your link',
  expired: 'Invitation expired',
};

function Referrals() {
  const referrals = useQuery({ queryKey: ['referrals'], queryFn: () => api<ReferralsResponse>('/api/referrals') });
  const credits = useQuery({ queryKey: ['me', 'credits'], queryFn: () => api<CreditsResponse>('/api/me/credits?limit=200') });
  const business = useBusiness().data;
  const reward = business?.referral_reward_credits;
  const when = business?.referral_reward_on === 'signup' ? 'signs up with it' : 'signs up with it and their first session is paid';
  const tz = useTimezone();
  const earned = (credits.data?.transactions ?? []).filter((t) => t.type === 'earned' && t.description === 'Referral reward').reduce((sum, t) => sum + t.amount, 0);

  return (
    <>
      <PageTitle
        lead={
          reward
            ? `Share your link. When a friend ${when}, you each get ${reward} credits (${dollars(reward * 100)} off a session).`
            : 'Share your link with friends who would enjoy a session.'
        }
      >
        Refer a friend
      </PageTitle>
      <QueryState query={referrals}>
        {(data) => (
          <>
            <ShareLink code={data.referral_code} />
            <InviteForm />
            <section aria-labelledby="invitations-heading">
              <h2 id="invitations-heading">Your invitations</h2>
              {data.invitations.length === 0 ? (
                <p className="muted">No invitations yet.</p>
              ) : (
                <ul className="invitations">
                  {data.invitations.map((i) => (
                    <li key={i.id} className="invitation-row">
                      <span className="invitation-email">{i.invitee_email}</span>
                      <span className={`badge badge-${i.status}`}>{statusWords[i.status]}</span>
                      <span className="muted">Sent {formatDay(i.created_at, tz)}</span>
                    </li>
                  ))}
                </ul>
              )}
              <p className="referral-earned">
                Credits earned from referrals: <strong>{earned}</strong> {earned > 0 && <span className="muted">({dollars(earned * 100)})</span>}
              </p>
            </section>
          </>
        )}
      </QueryState>
    </>
  );
}

function ShareLink({ code }: { code: string }) {
  const link = `${window.location.origin}/signup?ref=${encodeURIComponent(code)}`;
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const canShare = typeof navigator.share === 'function';
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(null), 4000);
    return () => clearTimeout(t);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  const share = async () => {
    try {
      await navigator.share({ title: 'Recovery Machine', text: 'Try Recovery Machine with my link:', url: link });
    } catch {
      // the person closed the share sheet: nothing to do
    }
  };

  return (
    <section className="card" aria-labelledby="link-heading">
      <h2 id="link-heading">Your link</h2>
      <TextField label="Your personal link" value={link} readOnly onFocus={(e) => e.currentTarget.select()} />
      <div className="row">
        <Button onClick={() => void copy()}>Copy link</Button>
        {canShare && (
          <Button variant="secondary" onClick={() => void share()}>
            Share
          </Button>
        )}
      </div>
      <div aria-live="polite">
        {copied === 'yes' && <p className="copied">Link copied. Paste it in a message to a friend.</p>}
        {copied === 'failed' && <p className="field-error">Your browser would not copy it. Select the link above and copy it yourself.</p>}
      </div>
    </section>
  );
}

function InviteForm() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: (to: string) => api<InviteResponse>('/api/referrals', { method: 'POST', body: { email: to } }),
    onSuccess: (res) => {
      setSentTo(res.referral.invitee_email);
      setEmail('');
      void queryClient.invalidateQueries({ queryKey: ['referrals'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSentTo(null);
    invite.mutate(email.trim());
  };
  const code = errorCode(invite.error);
  const fieldError =
    code === 'validation_failed' ? 'Please enter your friend’s email address, like name@example.com.' : code && code !== 'rate_limited' ? describeError(invite.error) : undefined;

  return (
    <section className="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite by email</h2>
      <form onSubmit={submit} noValidate>
        <TextField label="Friend's email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError} />
        <Button type="submit" busy={invite.isPending}>
          Send invitation
        </Button>
      </form>
      {invite.error && !fieldError ? <ErrorMessage error={invite.error} onRetry={() => invite.mutate(email.trim())} /> : null}
      {sentTo && <Notice tone="success">Invitation sent to {sentTo}.</Notice>}
    </section>
  );
}
