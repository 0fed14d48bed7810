import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test';
import { E2E_DATA_DIR, E2E_PORT, E2E_SECRET } from '../playwright.config.js';
import { fakeSigningSecret } from '../src/config.js';
import { FakeProvider } from '../src/payments/fake.js';
import { signBody } from '../src/payments/signature.js';

/**
 * What the browser tests share: a way in through the API (sign-ups, staff, slots) so each test
 * sets up its own world, and the checks every page must pass (axe, no horizontal scroll, 44 px
 * tap targets, a screenshot kept under test-results/screenshots).
 */

export const BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
export const BUSINESS_TZ = 'America/Los_Angeles';
export const PASSWORD = 'correct-horse-battery';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

export interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
  refresh_token: string;
}

export async function apiContext(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: BASE_URL });
}

/** Signs a customer up through the API. */
export async function signUp(api: APIRequestContext, fields: { email?: string; full_name?: string; phone?: string; referral_code?: string } = {}): Promise<Account> {
  const email = fields.email ?? uniqueEmail();
  const res = await api.post('/api/auth/signup', { data: { full_name: 'Test Customer', ...fields, email, password: PASSWORD } });
  expect(res.status(), await res.text()).toBe(201);
  const body = (await res.json()) as { access_token: string; refresh_token: string; user: { id: string } };
  return { id: body.user.id, email, password: PASSWORD, token: body.access_token, refresh_token: body.refresh_token };
}

/** `recovery admin add <email> --role <role>`: the CLI, forwarded to the running server. */
export async function grantStaff(email: string, role: 'operator' | 'admin' | 'super_admin'): Promise<void> {
  await promisify(execFile)(process.execPath, ['bin/recovery.js', 'admin', 'add', email, '--role', role], {
    env: { ...process.env, DATA_DIR: E2E_DATA_DIR, DATABASE_URL: '' },
  });
}

/** A staff member, signed up and granted a role. */
export async function staff(api: APIRequestContext, role: 'operator' | 'admin' | 'super_admin', full_name = `Test ${role}`): Promise<Account> {
  const email = uniqueEmail(role);
  await grantStaff(email, role);
  return signUp(api, { email, full_name });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Slots from `start` to `end` (HH:MM, business time) on a date, `minutes` long, `places` each. */
export async function openSlots(api: APIRequestContext, admin: Account, date: string, start = '09:00', end = '12:00', minutes = 60, places = 2): Promise<void> {
  const weekday = ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
  const res = await api.post('/api/admin/slots', {
    headers: bearer(admin.token),
    data: { from: date, to: date, weekdays: [weekday], day_start: start, day_end: end, slot_minutes: minutes, max_bookings: places },
  });
  expect(res.status(), await res.text()).toBeLessThan(300);
}

/** The business date `days` from today (yyyy-MM-dd, Los Angeles). Each spec file uses its own range of days. */
export function businessDay(days: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Puts a signed-in session in the browser's storage (as the app's sign-in does), then opens `path`. */
export async function signInAs(page: Page, account: Account, path = '/'): Promise<void> {
  await page.goto('/login');
  await page.evaluate(
    ([a]) => {
      localStorage.setItem('rm.session', JSON.stringify({ access_token: a!.token, refresh_token: a!.refresh_token, expires_at: Date.now() + 3_000_000, user: { id: a!.id, email: a!.email } }));
    },
    [account],
  );
  await page.goto(path);
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}

/** Nothing wider than the viewport. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, 'page scrolls sideways').toBeLessThanOrEqual(client);
}

/** Every visible button, form control and navigation link is at least 44 px tall (and 44 px wide). */
export async function expectTapTargets(page: Page): Promise<void> {
  const small = await page.evaluate(() => {
    const targets = document.querySelectorAll<HTMLElement>('button, input:not([type=hidden]), select, textarea, nav a, a.btn, [role=button], [role=radio]');
    const out: string[] = [];
    for (const el of targets) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue; // not shown
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      // A checkbox or radio counts with its label (the label is the tap target).
      const label = (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') && el.labels?.[0]) || null;
      const box = label ? label.getBoundingClientRect() : r;
      const h = Math.max(r.height, label ? box.height : 0);
      const w = Math.max(r.width, label ? box.width + r.width : 0);
      if (h < 43.5 || w < 43.5) out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().slice(0, 40)}" ${Math.round(w)}×${Math.round(h)}`);
    }
    return out;
  });
  expect(small, 'tap targets smaller than 44 px').toEqual([]);
}

/** A full-page screenshot kept under test-results/screenshots (CI keeps the folder). */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** The gzip size of a body (what the first page load ships, as a server that compresses would send it). */
export const gzipBytes = (body: Buffer): number => gzipSync(body, { level: 9 }).length;

/** A booking made by the global setup in a slot that starts a few minutes after the run begins. */
export interface StartedSession {
  customer: Account;
  bookingId: string;
  /** When the session starts (ISO). */
  startsAt: string;
  /** Paid (so confirmed) or awaiting payment. */
  paid: boolean;
}

/** What e2e/global-setup.ts made for the tests: the owner (a super admin) and the started sessions. */
export interface World {
  owner: Account;
  sessions: { review: StartedSession; dayRun: StartedSession; featured: StartedSession };
}

export const WORLD_FILE = 'test-results/e2e-world.json';

export function world(): World {
  return JSON.parse(readFileSync(WORLD_FILE, 'utf8')) as World;
}

/** Waits (polling) until the session has started, then completes it as `admin` (confirming it first if needed). */
export async function completeWhenStarted(api: APIRequestContext, admin: Account, session: StartedSession): Promise<void> {
  const confirm = await api.post(`/api/admin/bookings/${session.bookingId}/confirm`, { headers: bearer(admin.token) });
  expect([200, 409]).toContain(confirm.status());
  await expect
    .poll(async () => (await api.post(`/api/admin/bookings/${session.bookingId}/complete`, { headers: bearer(admin.token) })).status(), {
      timeout: Math.max(60_000, new Date(session.startsAt).getTime() - Date.now() + 60_000),
      intervals: [2_000],
    })
    .toBe(200);
}

/** Approves a checkout on the offline fake provider (the webhook Bolt would send follows); the order's new status. */
export async function approveCheckout(api: APIRequestContext, checkoutUrl: string): Promise<{ order_id: string; status: string }> {
  const res = await api.post(`${new URL(checkoutUrl).pathname}/approve`, { headers: { accept: 'application/json' } });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as { order_id: string; status: string };
}

/**
 * Sends the webhook of a card payment for more than a pending order's amount, signed as the fake
 * provider signs it: the order stays pending and is flagged for review (amount_mismatch).
 */
export async function payTheWrongAmount(api: APIRequestContext, orderId: string, amountCents: number): Promise<void> {
  const body = JSON.stringify(FakeProvider.webhook('payment', { id: `fake_txn_e2e_${Date.now().toString(36)}`, orderId, amount: amountCents + 100, status: 'completed' }));
  const res = await api.post('/api/webhooks/bolt', {
    data: body,
    headers: { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(body, fakeSigningSecret(E2E_SECRET)) },
  });
  expect(res.status(), await res.text()).toBe(200);
}
