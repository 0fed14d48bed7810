import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, onSessionChange, readSession, type SessionTokens } from '../api/client';

export type StaffRole = 'operator' | 'admin' | 'super_admin';

export interface Address {
  street: string;
  city: string;
  state: string;
  zip: string;
}

export interface Me {
  id: string;
  email: string;
  full_name: string | null;
  phone: string | null;
  address: Address | null;
  referral_code: string | null;
  credits: number;
  created_at: string;
  staff_role: StaffRole | null;
}

/** The stored session (tokens), kept in step with sign-in, sign-out and other tabs. */
export function useSession(): SessionTokens | null {
  const [session, setSession] = useState(readSession);
  const queryClient = useQueryClient();
  useEffect(
    () =>
      onSessionChange((next) => {
        setSession(next);
        if (!next) queryClient.clear();
      }),
    [queryClient],
  );
  return session;
}

/** GET /api/me while signed in. */
export function useMe() {
  const session = useSession();
  return useQuery({
    queryKey: ['me', session?.user.id],
    queryFn: () => api<Me>('/api/me'),
    enabled: session !== null,
    staleTime: 30_000,
  });
}

const rank: Record<StaffRole, number> = { operator: 1, admin: 2, super_admin: 3 };

/** Whether a staff role is at least `min` (operator < admin < super_admin). */
export const atLeast = (role: StaffRole | null | undefined, min: StaffRole): boolean => (role ? rank[role] >= rank[min] : false);
