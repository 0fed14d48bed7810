import { useMutation } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { signUp } from '../api/client';
import { Button, ErrorMessage, Notice, PageTitle, TextField } from '../components/ui';
import { useBusiness } from '../lib/business';
import { safeRedirect } from '../lib/redirect';

export function SignupPage() {
  const search = useSearch({ from: '/signup' });
  const navigate = useNavigate();
  const business = useBusiness();
  const reward = business.data?.referral_reward_credits ?? 0;
  const [fields, setFields] = useState({ email: '', password: '', full_name: '', phone: '', referral_code: search.ref ?? '' });
  const set = (k: keyof typeof fields) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [k]: e.target.value }));
  const length = new TextEncoder().encode(fields.password).length;
  const passwordProblem = fields.password && (length < 8 || length > 72) ? 'Use 8 to 72 characters.' : undefined;
  const create = useMutation({
    mutationFn: () =>
      signUp({
        email: fields.email.trim(),
        password: fields.password,
        full_name: fields.full_name.trim() || undefined,
        phone: fields.phone.trim() || undefined,
        referral_code: fields.referral_code.trim() || undefined,
      }),
    onSuccess: () => void navigate({ to: safeRedirect(search.redirect) }),
  });
  return (
    <>
      <PageTitle lead={search.redirect === '/book' ? 'Create your account to pay for your session. Your choices are kept.' : 'One account for booking, paying and managing your sessions.'}>
        Create your account
      </PageTitle>
      {fields.referral_code && reward > 0 && (
        <Notice tone="success">
          <p>
            A friend invited you (code <strong>{fields.referral_code}</strong>).{' '}
            {business.data?.referral_reward_on === 'signup' ? 'When you sign up' : 'When you pay for your first session'}, you get {reward} credits (${reward} off a later
            booking) and so does your friend.
          </p>
        </Notice>
      )}
      <form
        className="card auth-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!passwordProblem) create.mutate();
        }}
      >
        <TextField label="Full name" autoComplete="name" required value={fields.full_name} onChange={set('full_name')} />
        <TextField label="Email" type="email" autoComplete="email" required value={fields.email} onChange={set('email')} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={72}
          value={fields.password}
          onChange={set('password')}
          hint="8 to 72 characters."
          error={passwordProblem}
        />
        <TextField label="Phone (optional)" type="tel" autoComplete="tel" value={fields.phone} onChange={set('phone')} hint="For reminders by text, if you want them." />
        <TextField label="Referral code (optional)" value={fields.referral_code} onChange={set('referral_code')} autoCapitalize="characters" />
        <ErrorMessage error={create.error} onRetry={() => create.mutate()} />
        <Button type="submit" busy={create.isPending}>
          Create account
        </Button>
        <p>
          Already have an account?{' '}
          <Link to="/login" search={{ redirect: search.redirect }}>
            Sign in
          </Link>
        </p>
      </form>
    </>
  );
}
