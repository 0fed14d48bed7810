import { expect, type APIRequestContext } from '@playwright/test';
import { approveCheckout, bearer, signUp, type Account } from './support.js';

/** What the staff console's day-to-day specs share: customers with an address, slots, bookings, payment. */

export interface Booked {
  booking: { id: string; date_time: string; status: string; slot_id: string };
  order: { id: string; status: string };
  checkout: { url: string } | null;
}

export async function customer(api: APIRequestContext, full_name: string, phone = '+13105550142'): Promise<Account> {
  const business = (await (await api.get('/api/business')).json()) as { service_area_zips: string[] };
  const account = await signUp(api, { full_name, phone });
  const zip = business.service_area_zips[0] ?? '90210';
  const res = await api.patch('/api/me', { headers: bearer(account.token), data: { address: { street: '123 Main St', city: 'Los Angeles', state: 'CA', zip } } });
  expect(res.status(), await res.text()).toBe(200);
  return account;
}

export interface CreatedSlot {
  id: string;
  date: string;
  start_time: string;
  starts_at: string;
}

/** One slot (business-zone local date and times); answers the slot, whether made now or already there. */
export async function slot(api: APIRequestContext, admin: Account, date: string, start: string, end: string, places = 2): Promise<CreatedSlot> {
  const res = await api.post('/api/admin/slots', { headers: bearer(admin.token), data: { date, start_time: start, end_time: end, max_bookings: places } });
  expect(res.status(), await res.text()).toBeLessThan(300);
  const made = ((await res.json()) as { created: CreatedSlot[] }).created[0];
  if (made) return made;
  const list = (await (await api.get(`/api/admin/slots?from=${date}&to=${date}`, { headers: bearer(admin.token) })).json()) as { slots: CreatedSlot[] };
  return list.slots.find((s) => s.start_time === start)!;
}

export async function book(api: APIRequestContext, who: Account, slotId: string, service_type = 'cold_plunge', add_ons: Record<string, boolean | number> = { towels: true }): Promise<Booked> {
  const res = await api.post('/api/bookings', { headers: bearer(who.token), data: { slot_id: slotId, service_type, add_ons } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as Booked;
}

/** Pays a booking's order through the offline checkout's Approve. */
export async function pay(api: APIRequestContext, booked: Booked): Promise<void> {
  expect(booked.checkout, 'the booking has a checkout').not.toBeNull();
  expect((await approveCheckout(api, booked.checkout!.url)).status).toBe('paid');
}
