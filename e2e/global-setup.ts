import { mkdirSync, writeFileSync } from 'node:fs';
import { expect } from '@playwright/test';
import { apiContext, approveCheckout, bearer, BUSINESS_TZ, signUp, staff, WORLD_FILE, type Account, type StartedSession, type World } from './support.js';

/**
 * Sessions that have started, for the tests that complete one (a review link, the day's run, a
 * featured review). The database refuses to complete a session before its start (`too_early`)
 * and to book one less than the notice ahead, so this books them all at once, before any test
 * runs: the owner sets the notice to 0, opens a slot a few minutes from now with a place for each,
 * books them (paid, or awaiting payment for the day's run, whose test confirms it on the page),
 * and puts the notice back. The tests then wait for that start, together, instead of each
 * changing the settings under the others' feet.
 */
const LEAD_MINUTES = 4;

/** The date and HH:MM in the business zone `minutes` from now, rounded up to a whole minute. */
function businessClock(minutes: number): { date: string; time: string; at: Date } {
  const at = new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}`, at };
}

const plus = (time: string, minutes: number): string => {
  const [h, m] = time.split(':').map(Number);
  const total = Math.min(h! * 60 + m! + minutes, 23 * 60 + 59);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
};

export default async function globalSetup(): Promise<void> {
  const api = await apiContext();
  await expect.poll(async () => (await api.get('/ready').catch(() => null))?.status(), { timeout: 60_000 }).toBe(200);
  const owner = await staff(api, 'super_admin', 'E2E Owner');
  const settings = (await (await api.get('/api/admin/settings', { headers: bearer(owner.token) })).json()) as { min_notice_minutes: number };
  const put = (data: object) => api.put('/api/admin/settings', { headers: bearer(owner.token), data });

  const sessions: Record<string, StartedSession> = {};
  expect((await put({ min_notice_minutes: 0 })).status()).toBe(200);
  try {
    const { date, time, at } = businessClock(LEAD_MINUTES);
    const slot = await api.post('/api/admin/slots', { headers: bearer(owner.token), data: { date, start_time: time, end_time: plus(time, 30), max_bookings: 6 } });
    expect(slot.status(), await slot.text()).toBe(201);
    const slotId = ((await slot.json()) as { created: { id: string }[] }).created[0]!.id;
    const plan: [keyof World['sessions'], string, boolean][] = [
      ['review', 'Rhea Reviewer', true],
      ['dayRun', 'Dana Dayrun', false],
      ['featured', 'Fiona Featured', true],
    ];
    for (const [key, name, pay] of plan) {
      const customer: Account = await signUp(api, { full_name: name, phone: '+13105550199' });
      const booked = await api.post('/api/bookings', {
        headers: bearer(customer.token),
        data: { slot_id: slotId, service_type: 'cold_plunge', add_ons: { towels: true }, address: { street: '123 Main St', city: 'Los Angeles', state: 'CA', zip: '90012' } },
      });
      expect(booked.status(), await booked.text()).toBe(201);
      const { booking, checkout } = (await booked.json()) as { booking: { id: string }; checkout: { url: string } | null };
      if (pay && checkout) await approveCheckout(api, checkout.url);
      sessions[key] = { customer, bookingId: booking.id, startsAt: at.toISOString(), paid: pay };
    }
  } finally {
    expect((await put({ min_notice_minutes: settings.min_notice_minutes })).status()).toBe(200);
  }
  const world: World = { owner, sessions: sessions as World['sessions'] };
  mkdirSync('test-results', { recursive: true });
  writeFileSync(WORLD_FILE, JSON.stringify(world));
}
