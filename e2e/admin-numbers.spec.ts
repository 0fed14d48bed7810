import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import {
  approveCheckout,
  apiContext,
  bearer,
  businessDay,
  expectAccessible,
  expectNoHorizontalScroll,
  openSlots,
  signInAs,
  signUp,
  snap,
  staff,
  world,
  completeWhenStarted,
  type Account,
} from './support.js';

/**
 * The console's numbers: reviews (featuring one, seen by the public list), reports (charts and a
 * CSV download), settings (catalog and business settings, with the API's errors beside the fields),
 * and an operator who sees none of the admin-only pages (the API refuses them too).
 * Slot days: businessDay(31) … businessDay(37), plus one slot today starting two minutes ahead.
 */

test.describe.configure({ mode: 'serial' });

const ADDRESS = { street: '123 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' };
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'tablet', width: 820, height: 1180 },
] as const;

let api: APIRequestContext;
let admin: Account;
let operator: Account;

test.beforeAll(async () => {
  api = await apiContext();
  admin = await staff(api, 'admin');
  operator = await staff(api, 'operator');
});

test.afterAll(async () => {
  await api.dispose();
});

interface Service {
  key: string;
  name: string;
  duration_minutes: number;
  price_cents: number;
}

/** Books `slotId` for the customer and pays it with the fake provider; the booking's id. */
async function paidBooking(customer: Account, slotId: string, service: Service): Promise<string> {
  const res = await api.post('/api/bookings', { headers: bearer(customer.token), data: { slot_id: slotId, service_type: service.key, address: ADDRESS } });
  expect(res.status(), await res.text()).toBe(201);
  const body = (await res.json()) as { booking: { id: string }; checkout: { url: string } | null };
  expect(body.checkout).not.toBeNull();
  await approveCheckout(api, body.checkout!.url);
  return body.booking.id;
}

async function checkViewports(page: Page, name: string, ready: () => Promise<void>): Promise<void> {
  for (const v of VIEWPORTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    await ready();
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await snap(page, v.name === 'desktop' ? name : `${name}-tablet`);
  }
}

let completedOnce: Promise<{ bookingId: string; customer: Account; service: Service }> | undefined;

/**
 * A paid session that has started and been completed (shared by the tests that need one): the
 * global setup booked it a few minutes ahead (e2e/global-setup.ts); this completes it once it starts.
 */
function completedSession(): Promise<{ bookingId: string; customer: Account; service: Service }> {
  completedOnce ??= (async () => {
    const session = world().sessions.featured;
    await completeWhenStarted(api, admin, session);
    const service = ((await (await api.get('/api/services')).json()) as { services: Service[] }).services.find((s) => s.key === 'cold_plunge')!;
    return { bookingId: session.bookingId, customer: session.customer, service };
  })();
  return completedOnce;
}

test('featuring a reviewed session puts it on the public list', async ({ page }) => {
  test.setTimeout(360_000);
  const comment = `The van came right on time and the cold plunge was perfect ${Date.now()}`;
  const { bookingId, customer } = await completedSession();
  const review = await api.post('/api/reviews', { headers: bearer(customer.token), data: { booking_id: bookingId, rating: 5, comment } });
  expect(review.status(), await review.text()).toBe(201);
  const reviewId = ((await review.json()) as { review: { id: string } }).review.id;

  try {
    await signInAs(page, admin, '/admin/reviews');
    await expect(page.getByRole('heading', { level: 1, name: 'Reviews' })).toBeVisible();
    const item = page.getByRole('listitem').filter({ hasText: comment });
    await expect(item).toBeVisible();
    await expect(item.getByText('Suggested for featuring')).toBeVisible();
    await checkViewports(page, 'admin-reviews', () => expect(item).toBeVisible());

    await item.getByRole('button', { name: /^Feature/ }).click();
    await expect(item.getByText('Featured', { exact: true })).toBeVisible();
    await expect(item.getByRole('button', { name: /^Unfeature/ })).toBeVisible();

    // The home page shows it, with its stars and the customer's first name and initial.
    const home = await page.context().newPage();
    await home.goto('/');
    const shown = home.getByRole('listitem').filter({ hasText: comment });
    await expect(shown).toBeVisible();
    await expect(shown).toContainText('Fiona F., Cold Plunge,');
    await expect(shown.getByRole('img', { name: /5 out of 5 stars/ })).toBeVisible();
    await home.close();
    // And so does the public list the home page reads.
    const featured = await api.get('/api/reviews/featured?limit=50');
    expect(featured.status()).toBe(200);
    const list = ((await featured.json()) as { reviews: { comment: string | null; author: string | null; rating: number }[] }).reviews;
    expect(list.find((r) => r.comment === comment)).toMatchObject({ author: 'Fiona F.', rating: 5 });

    // Only featured: the filter shows it, and a reload keeps it featured.
    await page.reload();
    await page.getByLabel('Show').selectOption('featured');
    await expect(page.getByRole('listitem').filter({ hasText: comment }).getByRole('button', { name: /^Unfeature/ })).toBeVisible();
  } finally {
    await api.post(`/api/admin/reviews/${reviewId}/unfeature`, { headers: bearer(admin.token) });
  }
});

test('the reports draw charts and download a CSV', async ({ page }) => {
  test.setTimeout(360_000);
  // Bookings by service counts completed sessions: today's; the paid booking in the slot days adds revenue and places.
  const { service } = await completedSession();
  const day = businessDay(31);
  await openSlots(api, admin, day, '09:00', '14:00', Math.max(60, service.duration_minutes), 2);
  const slots = await api.get(`/api/availability?from=${day}&to=${day}`);
  const slotId = ((await slots.json()) as { slots: { id: string }[] }).slots[0]!.id;
  const customer = await signUp(api, { full_name: 'Rory Reporter' });
  await paidBooking(customer, slotId, service);

  const from = businessDay(0);
  const to = businessDay(37);
  await signInAs(page, admin, `/admin/reports?from=${from}&to=${to}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
  await expect(page.getByLabel('From', { exact: true })).toHaveValue(from);
  await expect(page.getByLabel('To', { exact: true })).toHaveValue(to);

  for (const title of ['Revenue by month', 'Bookings by service', 'Peak hours', 'Utilization by week']) {
    await expect(page.getByRole('region', { name: title }).locator('svg.recharts-surface').first(), title).toBeVisible();
  }
  const overview = page.getByRole('region', { name: 'Overview' });
  await expect(overview.getByRole('rowheader', { name: 'Revenue' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Customers by lifetime value' }).getByRole('cell', { name: customer.email })).toBeVisible();
  // The service's bookings include ours, in the table behind the chart.
  const services = page.getByRole('region', { name: 'Bookings by service' });
  await services.getByText('The numbers').click();
  await expect(services.getByRole('rowheader', { name: service.key })).toBeVisible();

  await checkViewports(page, 'admin-reports', () => expect(page.getByRole('region', { name: 'Revenue by month' }).locator('svg.recharts-surface').first()).toBeVisible());

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV of revenue by month' }).click()]);
  expect(download.suggestedFilename()).toBe(`revenue-${from}-${to}.csv`);
  const file = await download.path();
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toBe('month,revenue_cents,order_count,avg_order_cents,refunded_cents,net_cents');
  expect(lines.length).toBeGreaterThan(1);

  // A range the other way round is refused in the page, with a sentence.
  await page.getByLabel('From', { exact: true }).fill(to);
  await page.getByLabel('To', { exact: true }).fill(from);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByText('The start date must be on or before the end date.')).toBeVisible();
});

test('settings: a new business address and add-on price stay after a reload; a bad zip is explained', async ({ page }) => {
  // Changes only what no other spec reads (the address, the electrolytes add-on), and puts them back:
  // the specs share one server.
  test.setTimeout(180_000);
  const settingsRes = await api.get('/api/admin/settings', { headers: bearer(admin.token) });
  const catalogRes = await api.get('/api/admin/catalog', { headers: bearer(admin.token) });
  expect(settingsRes.status()).toBe(200);
  expect(catalogRes.status()).toBe(200);
  const original = (await settingsRes.json()) as { business_address: string | null; service_area_zips: string[] };
  const catalog = (await catalogRes.json()) as { services: Service[]; add_ons: Service[] };
  const addOn = catalog.add_ons.find((a) => a.key === 'electrolytes')!;
  const newPrice = addOn.price_cents === 1_250 ? '9.75' : '12.50';
  const newAddress = '500 Pier Ave, Hermosa Beach, CA 90254';

  try {
    await signInAs(page, admin, '/admin/settings');
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    const address = page.getByLabel('Business address');
    await expect(page.getByLabel('Setup fee (dollars)')).toBeVisible();
    await checkViewports(page, 'admin-settings', () => expect(address).toBeVisible());
    await page.setViewportSize({ width: 1280, height: 800 });

    await address.fill(newAddress);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Settings saved.')).toBeVisible();

    const group = page.getByRole('group', { name: addOn.name, exact: true });
    await group.getByLabel('Price (dollars)').fill(newPrice);
    await page.getByRole('button', { name: 'Save catalog' }).click();
    await expect(page.getByText('Catalog saved.')).toBeVisible();

    await page.reload();
    await expect(page.getByLabel('Business address')).toHaveValue(newAddress);
    await expect(page.getByRole('group', { name: addOn.name, exact: true }).getByLabel('Price (dollars)')).toHaveValue(newPrice);
    const served = (await (await api.get('/api/services')).json()) as { add_ons: Service[] };
    expect(served.add_ons.find((a) => a.key === addOn.key)?.price_cents).toBe(Math.round(Number(newPrice) * 100));

    // A zip code of four digits: the API refuses it and the sentence sits beside the field.
    const zips = page.getByLabel('Service area zip codes');
    await zips.fill('90210, 9021');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(zips).toHaveAccessibleDescription('Each zip code must be 5 digits, separated by commas or spaces.');
    await expect(zips).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page);
    await snap(page, 'admin-settings-error');
    const after = (await (await api.get('/api/admin/settings', { headers: bearer(admin.token) })).json()) as { service_area_zips: string[] };
    expect(after.service_area_zips).toEqual(original.service_area_zips);
  } finally {
    const s = await api.put('/api/admin/settings', { headers: bearer(admin.token), data: { business_address: original.business_address, service_area_zips: original.service_area_zips } });
    expect(s.status()).toBe(200);
    const c = await api.put('/api/admin/catalog', { headers: bearer(admin.token), data: catalog });
    expect(c.status(), await c.text()).toBe(200);
  }
});

test('an operator sees no Reports and no Settings, and the API refuses them', async ({ page }) => {
  await signInAs(page, operator, '/admin/reviews');
  const nav = page.getByRole('navigation', { name: 'Staff console' });
  await expect(nav.getByRole('link', { name: 'Reviews' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Reports' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Reviews' })).toBeVisible();
  // Operators read reviews but do not feature them.
  await expect(page.getByRole('button', { name: /^Feature/ })).toHaveCount(0);

  for (const path of ['/admin/reports', '/admin/settings']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: 'Not for your role' })).toBeVisible();
  }

  const refused = [
    await api.get('/api/admin/reports/revenue', { headers: bearer(operator.token) }),
    await api.get('/api/admin/reports/revenue?format=csv', { headers: bearer(operator.token) }),
    await api.get('/api/admin/settings', { headers: bearer(operator.token) }),
    await api.put('/api/admin/settings', { headers: bearer(operator.token), data: { setup_fee_cents: 1 } }),
    await api.get('/api/admin/catalog', { headers: bearer(operator.token) }),
    await api.put('/api/admin/catalog', { headers: bearer(operator.token), data: { services: [], add_ons: [] } }),
    await api.post('/api/admin/reviews/00000000-0000-4000-8000-000000000000/feature', { headers: bearer(operator.token) }),
  ];
  expect(refused.map((r) => r.status())).toEqual([403, 403, 403, 403, 403, 403, 403]);
});
