import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../../api/client';
import type { NotificationsResponse, NotificationSwitches } from '../../api/account';
import { RequireSignIn } from '../../auth/RequireSignIn';
import { Checkbox, ErrorMessage, Notice, PageTitle, QueryState } from '../../components/ui';

export function NotificationsPage() {
  return (
    <RequireSignIn>
      <PageTitle lead="Choose what we send you. Emails about your bookings, payments and refunds always come.">Notifications</PageTitle>
      <Preferences />
    </RequireSignIn>
  );
}

const KEY = ['me', 'notifications'];

function Preferences() {
  const queryClient = useQueryClient();
  const prefs = useQuery({ queryKey: KEY, queryFn: () => api<NotificationsResponse>('/api/me/notifications') });
  const change = useMutation({
    mutationFn: (patch: Partial<NotificationSwitches>) => api<NotificationsResponse>('/api/me/notifications', { method: 'PATCH', body: patch }),
    onSuccess: (next) => queryClient.setQueryData(KEY, next),
  });

  return (
    <QueryState query={prefs}>
      {(p) => {
        const toggle = (key: keyof NotificationSwitches) => (e: { target: { checked: boolean } }) => change.mutate({ [key]: e.target.checked });
        const busy = change.isPending;
        return (
          <div className="notification-prefs">
            <fieldset>
              <legend>Email</legend>
              <Checkbox label="Session reminders by email" checked={p.reminder_email} onChange={toggle('reminder_email')} disabled={busy} />
              <Checkbox label="Review requests after a session" checked={p.review_requests} onChange={toggle('review_requests')} disabled={busy} />
              <Checkbox label="Referral news" hint="(your friends’ invitations and rewards)" checked={p.referral_news} onChange={toggle('referral_news')} disabled={busy} />
            </fieldset>
            <fieldset>
              <legend>Texts</legend>
              {p.phone ? (
                <p className="field-hint">Texts go to {p.phone}. <Link to="/account/profile">Change your phone number</Link></p>
              ) : (
                <p className="field-hint">
                  Texts need a phone number. <Link to="/account/profile">Add your phone number in your profile</Link> first.
                </p>
              )}
              {p.sms_stopped && (
                <Notice tone="warning">Your phone replied STOP, so we send no texts. Reply START to one of our texts to get them again.</Notice>
              )}
              <Checkbox
                label="Send me texts"
                hint="(confirmations, changes and reminders; message and data rates may apply)"
                checked={p.sms_opt_in}
                onChange={toggle('sms_opt_in')}
                disabled={busy || (!p.phone && !p.sms_opt_in)}
              />
              <Checkbox
                label="Session reminders by text"
                checked={p.reminder_sms}
                onChange={toggle('reminder_sms')}
                disabled={busy || (!p.phone && !p.reminder_sms)}
              />
              {!p.sms_opt_in && p.reminder_sms && <p className="field-hint">Reminders by text come once you turn texts on.</p>}
            </fieldset>
            <div aria-live="polite">{change.isSuccess && !busy && <p className="saved">Saved.</p>}</div>
            <ErrorMessage error={change.error} onRetry={() => change.variables && change.mutate(change.variables)} />
          </div>
        );
      }}
    </QueryState>
  );
}
