import { Navigate, useRouterState } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useSession } from './session';

/**
 * Shows its children only to a signed-in visitor; anyone else goes to
 * `/login?redirect=<this path, with its query>` and comes back here after signing in.
 * Use it around any page that needs an account: `<RequireSignIn>…</RequireSignIn>`.
 */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const session = useSession();
  const href = useRouterState({ select: (s) => s.location.href });
  if (!session) return <Navigate to="/login" search={{ redirect: href }} replace />;
  return <>{children}</>;
}
