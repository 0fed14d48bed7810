import { useMutation } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError, signIn } from '../api/client';
import { Button, ErrorMessage, PageTitle, TextField } from '../components/ui';
import { safeRedirect } from '../lib/redirect';

export function LoginPage() {
  const search = useSearch({ from: '/login' });
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => signIn(email.trim(), password),
    onSuccess: () => void navigate({ to: safeRedirect(search.redirect) }),
  });
  return (
    <>
      <PageTitle lead={search.redirect === '/book' ? 'Sign in to pay for your session. Your choices are kept.' : undefined}>Sign in</PageTitle>
      <form
        className="card auth-form"
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate();
        }}
      >
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {login.error instanceof ApiError && login.error.status === 401 ? (
          <div className="alert alert-error" role="alert">
            <p>That email and password do not match. Check them and try again.</p>
          </div>
        ) : (
          <ErrorMessage error={login.error} onRetry={() => login.mutate()} />
        )}
        <Button type="submit" busy={login.isPending}>
          Sign in
        </Button>
        <p>
          New here?{' '}
          <Link to="/signup" search={{ redirect: search.redirect }}>
            Create an account
          </Link>
        </p>
      </form>
    </>
  );
}
