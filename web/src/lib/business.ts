import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { DEFAULT_TIMEZONE } from './time';

export interface Business {
  business_name: string;
  business_phone: string | null;
  business_address: string | null;
  timezone: string;
  service_area_zips: string[];
  setup_fee_cents: number;
  referral_reward_credits: number;
  /** When both sides of a referral get their credits. */
  referral_reward_on: 'first_paid_booking' | 'signup';
  min_notice_minutes: number;
  cancellation_window_minutes: number;
  google_review_url: string | null;
}

export interface Service {
  key: string;
  name: string;
  description?: string | null;
  price_cents: number;
  duration_minutes: number;
  [field: string]: unknown;
}

export interface AddOn {
  key: string;
  name: string;
  price_cents: number;
  [field: string]: unknown;
}

export interface Catalog {
  services: Service[];
  add_ons: AddOn[];
}

/** GET /api/business: cached for the whole visit (it changes rarely). */
export function useBusiness() {
  return useQuery({ queryKey: ['business'], queryFn: () => api<Business>('/api/business', { auth: false }), staleTime: 5 * 60_000 });
}

/** The business time zone, or the default until /api/business answers. */
export function useTimezone(): string {
  return useBusiness().data?.timezone ?? DEFAULT_TIMEZONE;
}

/** GET /api/services: services and add-ons with prices in cents. */
export function useCatalog() {
  return useQuery({ queryKey: ['catalog'], queryFn: () => api<Catalog>('/api/services', { auth: false }), staleTime: 5 * 60_000 });
}
