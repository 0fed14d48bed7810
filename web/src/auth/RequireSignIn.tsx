import { useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect, useRef, type ReactNode } from 'react';
import { Loading } from '../components/ui';
import { useSession } from './session';

/**
 * Shows its children only to a signed-in visitor; anyone else goes to
 * `/login?redirect=<this path, with its query>` and comes back here after signing in.
 * Use it around any page that needs an account: `<RequireSignIn>…</RequireSignIn>`.
 */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const session = useSession();
  const navigate = useNavigate();
  const here = useRouterState({ select: (s) => `${s.location.pathname}${s.location.searchStr}` });
  const signedOut = session === null;
  // The page stays mounted while /login loads, and sees /login as the location then: go once.
  const sent = useRef(false);
  useEffect(() => {
    if (!signedOut) sent.current = false;
    else if (!sent.current && !here.startsWith('/login')) {
      sent.current = true;
      void navigate({ to: '/login', search: { redirect: here }, replace: true });
    }
  }, [signedOut, here, navigate]);
  if (signedOut) return <Loading label="Taking you to sign in…" />;
  return <>{children}</>;
}
