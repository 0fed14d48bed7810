import { useEffect, useState } from 'react';
import type { Address } from '../../auth/session';

/**
 * The booking being put together, kept in sessionStorage so a reload, or a detour through sign-in
 * or sign-up, loses nothing.
 */
export interface Draft {
  service: string | null;
  addOns: Record<string, number>;
  month: string | null;
  day: string | null;
  slotId: string | null;
  slotStartsAt: string | null;
  address: Address;
  credits: number;
}

const KEY = 'rm.book.draft';
export const emptyAddress: Address = { street: '', city: '', state: '', zip: '' };
const empty: Draft = { service: null, addOns: {}, month: null, day: null, slotId: null, slotStartsAt: null, address: emptyAddress, credits: 0 };

function read(): Draft {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? { ...empty, ...(JSON.parse(raw) as Partial<Draft>) } : empty;
  } catch {
    return empty;
  }
}

export function clearDraft(): void {
  sessionStorage.removeItem(KEY);
}

export function useDraft(): [Draft, (patch: Partial<Draft>) => void, () => void] {
  const [draft, setDraft] = useState(read);
  useEffect(() => {
    sessionStorage.setItem(KEY, JSON.stringify(draft));
  }, [draft]);
  return [draft, (patch) => setDraft((d) => ({ ...d, ...patch })), () => setDraft(empty)];
}
