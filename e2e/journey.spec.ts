import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import {
  apiContext,
  bearer,
  businessDay,
  expectAccessible,
  expectNoHorizontalScroll,
  expectTapTargets,
  openSlots,
  PASSWORD,
  signInAs,
  signUp,
  snap,
  staff,
  uniqueEmail,
  type Account,
} from './support.js';

/**
 * The customer's journey in the browser: a referral sign-up, booking with add-ons and credits,
 * paying on the fake checkout, seeing it confirmed, moving it, cancelling it; a signed-out visitor
 * who signs in at the last step and keeps every choice; Los Angeles times seen from New York; the
 * spring-forward day; phone viewports, axe and screenshots. Slot days: businessDay(3…9) and 2027-03-14.
 */

interface Catalog {
  services: { key: string; name: string; price_cents: number }[];
  add_ons: { key: string; name: string; price_cents: number }[];
}

const dayName = (key: string) => new Date(`${key}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' });

/** Opens the calendar's month of `date` (Next month as needed) and clicks that day. */
async function pickDay(page: Page, date: string): Promise<void> {
  const day = page.getByRole('button', { name: new RegExp(`^${dayName(date)}: \\d+ free times?$`) });
  const loaded = () => expect(page.getByText('Finding free times…')).toHaveCount(0);
  await expect(page.getByRole('group', { name: /^Days in / })).toBeVisible();
  await loaded();
  for (let i = 0; i < 8 && !(await day.isVisible()); i++) {
    const heading = await page.locator('.cal-head h3').first().textContent();
    await page.getByRole('button', { name: 'Next month' }).first().click();
    await expect(page.locator('.cal-head h3').first()).not.toHaveText(heading ?? '');
    await loaded();
  }
  await day.click();
}

const dollarsOf = (cents: number) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: cents % 100 === 0 ? 0 : 2 })}`;

async function admin(api: APIRequestContext): Promise<Account> {
  return staff(api, 'admin', 'Journey Admin');
}

test.describe('the customer journey', () => {
  test('referral sign-up → book with add-ons and credits → pay → confirmed → reschedule → cancel', async ({ page }) => {
    const api = await apiContext();
    const boss = await admin(api);
    await openSlots(api, boss, businessDay(3), '09:00', '12:00', 60, 2);
    await openSlots(api, boss, businessDay(4), '09:00', '12:00', 60, 2);
    const catalog = (await (await api.get('/api/services')).json()) as Catalog;
    const business = (await (await api.get('/api/business')).json()) as { referral_reward_credits: number; setup_fee_cents: number };

    // A referrer, and the friend who opens their link.
    const referrer = await signUp(api, { full_name: 'Ann Referrer' });
    const me = (await (await api.get('/api/me', { headers: bearer(referrer.token) })).json()) as { referral_code: string };
    await page.goto(`/signup?ref=${me.referral_code}`);
    await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
    const invited = page.getByRole('status').filter({ hasText: 'A friend invited you' });
    await expect(invited).toContainText(`code ${me.referral_code}`);
    await expect(invited).toContainText(`you get ${business.referral_reward_credits} credits`);
    await expect(invited).toContainText('and so does your friend');
    await expect(page.getByLabel('Referral code (optional)')).toHaveValue(me.referral_code);
    await expectAccessible(page);
    await snap(page, 'signup');
    const email = uniqueEmail('friend');
    await page.getByLabel('Full name').fill('Fran Friend');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Phone (optional)').fill('(310) 555-0142');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('heading', { name: 'My bookings' })).toBeVisible();
    await expect(page).toHaveURL(/\/account\/bookings$/);

    // An admin grants the friend 30 credits.
    const friendId = await page.evaluate(() => (JSON.parse(localStorage.getItem('rm.session')!) as { user: { id: string } }).user.id);
    const grant = await api.post(`/api/admin/customers/${friendId}/credits`, { headers: bearer(boss.token), data: { amount: 30, description: 'Welcome gift' } });
    expect(grant.status(), await grant.text()).toBe(201);

    // Book: cold plunge + family + towels + 2 extra visits, 30 credits.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Book', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Book a session' })).toBeVisible();
    const plunge = catalog.services.find((s) => s.key === 'cold_plunge')!;
    const addOn = (key: string) => catalog.add_ons.find((a) => a.key === key)!;
    await page.getByRole('radio', { name: new RegExp(`^${plunge.name}`) }).check();
    await page.getByRole('checkbox', { name: new RegExp(addOn('family').name) }).check();
    await page.getByRole('checkbox', { name: new RegExp(addOn('towels').name) }).check();
    await page.getByLabel(new RegExp(`^${addOn('extra_visits').name}`)).fill('2');
    await pickDay(page, businessDay(3));
    await page.getByRole('button', { name: '9:00 AM PT', exact: true }).click();
    await expect(page.getByText('Your time:')).toContainText('9:00 AM PT');
    await page.getByLabel('Street address').fill('12 Ocean Ave');
    await page.getByLabel('City').fill('Santa Monica');
    await page.getByLabel('State').fill('CA');
    await page.getByLabel('Zip code').fill('90401');
    await page.getByLabel(/Credits to use/).fill('30');
    const subtotal = plunge.price_cents + addOn('family').price_cents + addOn('towels').price_cents + 2 * addOn('extra_visits').price_cents;
    const total = subtotal + business.setup_fee_cents - 3000;
    const price = page.locator('.price-table');
    await expect(price.getByRole('row', { name: /Setup fee \(first booking only\)/ })).toContainText(dollarsOf(business.setup_fee_cents));
    await expect(price.getByRole('row', { name: /Credits \(30\)/ })).toContainText('$30');
    await expect(price.getByRole('row', { name: /^Total/ })).toContainText(dollarsOf(total));
    await expectAccessible(page);
    await snap(page, 'book');
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    // The server charges what the page showed, so the checkout opens at once with that amount.
    await expect(page.getByText(`Amount due: $${(total / 100).toFixed(2)}`)).toBeVisible();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('heading', { name: 'Payment approved' })).toBeVisible();
    await page.getByRole('link', { name: 'Back to my bookings' }).click();

    // Confirmed in My bookings.
    const card = page.locator('li.booking').filter({ hasText: plunge.name });
    await expect(card.getByText('Confirmed')).toBeVisible();
    await expect(card).toContainText('12 Ocean Ave, Santa Monica, CA 90401');
    await expect(card).toContainText(dollarsOf(subtotal + business.setup_fee_cents));
    await expectAccessible(page);
    await snap(page, 'bookings');

    // Reschedule to 10:00 the next day.
    await card.getByRole('button', { name: 'Reschedule' }).click();
    await pickDay(page, businessDay(4));
    await card.getByRole('button', { name: '10:00 AM PT', exact: true }).click();
    await card.getByRole('button', { name: /^Move to .*10:00 AM PT$/ }).click();
    await expect(card.getByText(/^Moved to .*10:00 AM PT\.$/)).toBeVisible();

    // Cancel: what happens to the money is said first, then what the server did.
    await card.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(card.getByText(`${dollarsOf(total)} paid by card is refunded, and 30 credits come back`)).toBeVisible();
    await card.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expect(page.getByText('Cancelled:', { exact: false }).first()).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Refunded:' })).toContainText(`${dollarsOf(total)} back to your card and 30 credits back to your balance`);
    await expect(page.getByRole('region', { name: 'Past and cancelled' }).getByText('Cancelled', { exact: true })).toBeVisible();
  });

  test('a signed-out visitor picks everything, signs in at the last step, and keeps every choice', async ({ page }) => {
    const api = await apiContext();
    const boss = await admin(api);
    await openSlots(api, boss, businessDay(5), '09:00', '11:00', 60, 2);
    const account = await signUp(api, { full_name: 'Sam Signedout' });

    await page.goto('/book');
    await page.getByRole('radio', { name: /^Infrared Sauna/ }).check();
    await page.getByRole('checkbox', { name: /towels/i }).check();
    await pickDay(page, businessDay(5));
    await page.getByRole('button', { name: '9:00 AM PT', exact: true }).click();
    await page.getByLabel('Street address').fill('7 Palm Dr');
    await page.getByLabel('City').fill('Venice');
    await page.getByLabel('State').fill('CA');
    await page.getByLabel('Zip code').fill('90291');
    await expect(page.getByText('Sign in or create an account to pay.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Continue to payment' })).toHaveCount(0);

    // A reload loses nothing.
    await page.reload();
    await expect(page.getByLabel('Street address')).toHaveValue('7 Palm Dr');

    await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
    await expect(page).toHaveURL(/\/login\?redirect=%2Fbook|\/login\?redirect=\/book/);
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('heading', { name: 'Book a session' })).toBeVisible();
    await expect(page.getByRole('radio', { name: /^Infrared Sauna/ })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: /towels/i })).toBeChecked();
    await expect(page.getByText('Your time:')).toContainText('9:00 AM PT');
    await expect(page.getByLabel('Street address')).toHaveValue('7 Palm Dr');
    await expect(page.getByLabel('Zip code')).toHaveValue('90291');
    await expect(page.getByRole('button', { name: 'Continue to payment' })).toBeEnabled();
  });
});

test.describe('from New York', () => {
  test.use({ timezoneId: 'America/New_York' });
  test('a browser in New York sees Los Angeles times, named PT', async ({ page }) => {
    const api = await apiContext();
    const boss = await admin(api);
    await openSlots(api, boss, businessDay(6), '09:00', '10:00', 60, 1);
    await page.goto('/book');
    await page.getByRole('radio', { name: /^Cold Plunge/ }).check();
    await pickDay(page, businessDay(6));
    await expect(page.getByRole('button', { name: '9:00 AM PT', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: /12:00 PM/ })).toHaveCount(0);
  });
});

test('the spring-forward day (2027-03-14) shows its slots at their own local times', async ({ page }) => {
  const api = await apiContext();
  const boss = await admin(api);
  // 01:00–04:00 in half hours: 01:00 (PST) and 03:00, 03:30 (PDT); the server skips the times that
  // do not exist that night (01:30–02:00 ends at 02:00, which never happens; 02:00–03:00).
  const night = await api.post('/api/admin/slots', {
    headers: bearer(boss.token),
    data: { from: '2027-03-14', to: '2027-03-14', weekdays: [7], day_start: '01:00', day_end: '04:00', slot_minutes: 30, max_bookings: 1 },
  });
  expect(night.status(), await night.text()).toBeLessThan(300);
  await openSlots(api, boss, '2027-03-14', '09:00', '11:00', 60, 1);
  const { slots } = (await (await api.get('/api/availability?from=2027-03-14&to=2027-03-14')).json()) as { slots: { start_time: string; starts_at: string }[] };
  expect(slots.map((s) => s.starts_at.slice(11))).toEqual(['01:00:00-08:00', '03:00:00-07:00', '03:30:00-07:00', '09:00:00-07:00', '10:00:00-07:00']);
  const label = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    return `${h % 12 === 0 ? 12 : h % 12}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'} PT`;
  };
  const expected = slots.map((s) => label(s.start_time.slice(0, 5)));
  expect(expected).toEqual(['1:00 AM PT', '3:00 AM PT', '3:30 AM PT', '9:00 AM PT', '10:00 AM PT']);

  await page.goto('/book');
  await page.getByRole('radio', { name: /^Cold Plunge/ }).check();
  await pickDay(page, '2027-03-14');
  const times = page.getByRole('group', { name: 'Free times' }).getByRole('button');
  await expect(times).toHaveText(expected);
  await expectAccessible(page);
  await snap(page, 'book-dst');
});

test.describe('on a phone (390×844)', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test('home, book, sign in, sign up and my bookings fit, with big enough tap targets', async ({ page }) => {
    const api = await apiContext();
    const boss = await admin(api);
    await openSlots(api, boss, businessDay(7), '09:00', '11:00', 60, 2);

    const check = async (name: string) => {
      await expectNoHorizontalScroll(page);
      await expectTapTargets(page);
      await expectAccessible(page);
      await snap(page, name);
    };
    await page.goto('/');
    await expect(page.getByRole('link', { name: 'Book a session' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Next available times' })).toBeVisible();
    await expect(page.locator('.next-times li').first()).toContainText('PT');
    await check('home-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await expectAccessible(page);
    await snap(page, 'home');
    await page.setViewportSize({ width: 390, height: 844 });

    await page.goto('/book');
    await page.getByRole('radio', { name: /Combo/i }).check();
    await pickDay(page, businessDay(7));
    await expect(page.getByRole('button', { name: '9:00 AM PT', exact: true })).toBeVisible();
    await check('book-phone');

    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await check('login-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await snap(page, 'login');
    await page.setViewportSize({ width: 390, height: 844 });

    await page.goto('/signup');
    await expect(page.getByText('8 to 72 characters.')).toBeVisible();
    await check('signup-phone');

    // My bookings with one booking awaiting payment: Pay now is offered.
    const customer = await signUp(api, { full_name: 'Pat Phone' });
    const slot = ((await (await api.get(`/api/availability?from=${businessDay(7)}&to=${businessDay(7)}`)).json()) as { slots: { id: string }[] }).slots[0]!;
    const res = await api.post('/api/bookings', {
      headers: bearer(customer.token),
      data: { slot_id: slot.id, service_type: 'cold_plunge', add_ons: { towels: true }, address: { street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: '90012' } },
    });
    expect(res.status(), await res.text()).toBe(201);
    await signInAs(page, customer, '/account/bookings');
    await expect(page.getByText('Awaiting payment')).toBeVisible();
    await expect(page.getByRole('link', { name: /^Pay now/ })).toBeVisible();
    await check('bookings-phone');

    // Add to calendar downloads the .ics with the bearer token.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Add to calendar' }).click();
    expect((await download).suggestedFilename()).toMatch(/\.ics$/);

    // Pay now opens the same checkout again.
    await page.getByRole('link', { name: /^Pay now/ }).click();
    await expect(page.getByRole('button', { name: 'Approve' })).toBeVisible();
  });
});

test('inside the cancellation window the buttons are off and say why', async ({ page }) => {
  const api = await apiContext();
  const boss = await admin(api);
  await openSlots(api, boss, businessDay(8), '09:00', '10:00', 60, 1);
  const customer = await signUp(api);
  const slot = ((await (await api.get(`/api/availability?from=${businessDay(8)}&to=${businessDay(8)}`)).json()) as { slots: { id: string; starts_at: string }[] }).slots[0]!;
  const res = await api.post('/api/bookings', {
    headers: bearer(customer.token),
    data: { slot_id: slot.id, service_type: 'cold_plunge', address: { street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: '90012' } },
  });
  expect(res.status()).toBe(201);

  // Days ahead: the buttons work.
  await signInAs(page, customer, '/account/bookings');
  await expect(page.getByRole('button', { name: 'Reschedule' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toBeEnabled();
  await expect(page.getByText(/can no longer be moved or cancelled online/)).toHaveCount(0);

  // The browser's clock three hours before the session (inside the 24-hour window): off, with why.
  await page.clock.setFixedTime(new Date(new Date(slot.starts_at).getTime() - 3 * 3_600_000));
  await signInAs(page, customer, '/account/bookings');
  const why = page.getByText('This session starts in less than 24 hours, so it can no longer be moved or cancelled online.');
  await expect(why).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reschedule' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toHaveAccessibleDescription(/less than 24 hours/);
});
