import { expect, test, type APIRequestContext } from '@playwright/test';
import { E2E_SECRET } from '../playwright.config.js';
import { ReviewLinks } from '../src/reviews/tokens.js';
import { apiContext, BASE_URL, BUSINESS_TZ, bearer, expectAccessible, expectNoHorizontalScroll, expectTapTargets, signUp, snap, staff, type Account } from './support.js';

/**
 * The review link (/review/<token>). A link is only made for a completed session, and a session
 * can only be completed once it has started, so the test books a real session a couple of
 * minutes from now (min notice set to 0 for the while, put back after), waits for it to start,
 * completes it as an admin, and signs the link with the server's own code and secret.
 */

interface Settings {
  min_notice_minutes: number;
  google_review_url: string | null;
}

const GOOGLE = 'https://search.google.com/local/writereview?placeid=e2e-test';

/** HH:MM and the date in the business zone, `minutes` from now (rounded up to the next minute). */
function businessClock(minutes: number): { date: string; time: string } {
  const at = new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

const plus = (time: string, minutes: number): string => {
  const [h, m] = time.split(':').map(Number);
  const total = Math.min(h! * 60 + m! + minutes, 23 * 60 + 59);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
};

/** A completed session of `customer`, started a moment ago. */
async function completedSession(api: APIRequestContext, admin: Account, customer: Account): Promise<string> {
  const { date, time } = businessClock(2);
  const slot = await api.post('/api/admin/slots', { headers: bearer(admin.token), data: { date, start_time: time, end_time: plus(time, 30), max_bookings: 1 } });
  expect(slot.status(), await slot.text()).toBe(201);
  const slotId = ((await slot.json()) as { created: { id: string }[] }).created[0]!.id;
  const business = (await (await api.get('/api/business')).json()) as { service_area_zips: string[] };
  const zip = business.service_area_zips[0] ?? '90401';
  const booked = await api.post('/api/bookings', {
    headers: bearer(customer.token),
    data: { slot_id: slotId, service_type: 'cold_plunge', address: { street: '1 Review Way', city: 'Santa Monica', state: 'CA', zip }, use_credits: 'all' },
  });
  expect(booked.status(), await booked.text()).toBe(201);
  const { booking, checkout } = (await booked.json()) as { booking: { id: string; status: string }; checkout: { url: string } | null };
  if (checkout) {
    // Not all paid by credits: pay on the fake checkout.
    const id = new URL(checkout.url).pathname.split('/').pop();
    const paid = await api.post(`/checkout/fake/${id}/approve`);
    expect(paid.status()).toBeLessThan(400);
  }
  const confirm = await api.post(`/api/admin/bookings/${booking.id}/confirm`, { headers: bearer(admin.token) });
  expect([200, 409]).toContain(confirm.status());
  // Completing is refused (409 too_early) until the session has started.
  await expect
    .poll(async () => (await api.post(`/api/admin/bookings/${booking.id}/complete`, { headers: bearer(admin.token) })).status(), { timeout: 200_000, intervals: [5_000] })
    .toBe(200);
  return booking.id;
}

test.describe('the review link', () => {
  test('a customer rates a session, is offered Google whatever the rating, and the link then says it is done', async ({ page, browser }) => {
    test.setTimeout(360_000);
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const customer = await signUp(api, { full_name: 'Rhea Reviewer' });
    const granted = await api.post(`/api/admin/customers/${customer.id}/credits`, { headers: bearer(admin.token), data: { amount: 1000, description: 'Test credits' } });
    expect(granted.status()).toBe(201);

    const before = (await (await api.get('/api/admin/settings', { headers: bearer(admin.token) })).json()) as Settings;
    const put = (data: Partial<Settings>) => api.put('/api/admin/settings', { headers: bearer(admin.token), data });
    let bookingId: string;
    try {
      expect((await put({ min_notice_minutes: 0, google_review_url: GOOGLE })).status()).toBe(200);
      bookingId = await completedSession(api, admin, customer);
    } finally {
      expect((await put({ min_notice_minutes: before.min_notice_minutes })).status()).toBe(200);
    }

    const links = new ReviewLinks({ secret: E2E_SECRET, publicUrl: BASE_URL });
    const token = await links.sign({ bookingId, userId: customer.id });

    try {
      // A second tab opens the same link before the review is sent.
      const other = await browser.newPage({ baseURL: BASE_URL });
      await other.goto(`/review/${token}`);
      await expect(other.getByRole('heading', { name: 'Review your session' })).toBeVisible();

      await page.goto(`/review/${token}`);
      await expect(page.getByRole('heading', { name: 'Review your session' })).toBeVisible();
      await expect(page.getByText('Hi Rhea, how did it go?')).toBeVisible();
      await expect(page.getByText('Cold Plunge')).toBeVisible();
      await expect(page.getByText(/ PT$/)).toBeVisible();

      // Sending without a rating asks for one.
      await page.getByRole('button', { name: 'Submit review' }).click();
      await expect(page.getByText('Please choose a rating from 1 to 5 stars.')).toBeVisible();

      // Keyboard: the stars are a radio group moved with the arrow keys.
      const group = page.getByRole('group', { name: 'Your rating' });
      for (const n of [1, 2, 3, 4, 5]) await expect(group.getByRole('radio', { name: n === 1 ? '1 star' : `${n} stars` })).toBeVisible();
      await page.getByRole('radio', { name: '3 stars' }).click();
      await expect(page.getByRole('radio', { name: '3 stars' })).toBeChecked();
      await page.keyboard.press('ArrowRight');
      await expect(page.getByRole('radio', { name: '4 stars' })).toBeChecked();
      await expect(page.getByRole('radio', { name: '4 stars' })).toBeFocused();
      await page.keyboard.press('ArrowRight');
      await expect(page.getByRole('radio', { name: '5 stars' })).toBeChecked();
      await expect(page.getByText('5 of 5 stars: Excellent')).toBeVisible();

      const comment = 'Right on time, and the plunge was perfectly cold.';
      await page.getByLabel('Your comments (optional)').fill(comment);
      await expect(page.getByText(`${comment.length} of 2,000 characters`)).toBeVisible();
      await expect(page.getByLabel('Your comments (optional)')).toHaveAttribute('maxlength', '2000');
      await expectAccessible(page);
      await snap(page, 'review');
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoHorizontalScroll(page);
      await expectTapTargets(page);
      await snap(page, 'review-phone');

      await page.getByRole('button', { name: 'Submit review' }).click();
      await expect(page.getByRole('heading', { name: 'Thank you for your review!' })).toBeVisible();
      const google = page.getByRole('link', { name: 'Post a review on Google' });
      await expect(google).toHaveAttribute('href', /\/r\/google\/[0-9a-f-]{36}$/);
      await expectNoHorizontalScroll(page);
      await expectTapTargets(page);
      await expectAccessible(page);
      await snap(page, 'review-thanks-phone');
      await page.setViewportSize({ width: 1280, height: 800 });
      await snap(page, 'review-thanks');

      const reviews = (await (await api.get('/api/admin/reviews?limit=200', { headers: bearer(admin.token) })).json()) as { reviews: { booking_id: string; rating: number; comment: string; id: string }[] };
      const saved = reviews.reviews.find((r) => r.booking_id === bookingId);
      expect(saved).toMatchObject({ rating: 5, comment });
      expect(await google.getAttribute('href')).toContain(`/r/google/${saved!.id}`);

      // The other tab sends too: 409 already_reviewed, said kindly.
      await other.getByRole('radio', { name: '2 stars' }).check();
      await other.getByRole('button', { name: 'Submit review' }).click();
      await expect(other.getByRole('heading', { name: 'You have already reviewed this session' })).toBeVisible();
      await other.close();

      // The same link again.
      await page.goto(`/review/${token}`);
      await expect(page.getByRole('heading', { name: 'You have already reviewed this session' })).toBeVisible();
      await expectAccessible(page);
    } finally {
      await put({ google_review_url: before.google_review_url });
    }

    // A link past its 30 days, and one we never signed.
    const old = await links.sign({ bookingId, userId: customer.id }, new Date(Date.now() - 31 * 86_400_000));
    await page.goto(`/review/${old}`);
    await expect(page.getByRole('heading', { name: 'This review link has expired' })).toBeVisible();
    await expectAccessible(page);
    await snap(page, 'review-expired');
    await page.goto('/review/not-a-real-review-link');
    await expect(page.getByRole('heading', { name: 'We could not open this review link' })).toBeVisible();
    await expect(page.getByRole('main').getByRole('link', { name: 'Book a session' })).toBeVisible();
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalScroll(page);
    await expectTapTargets(page);
    await expectAccessible(page);
    await snap(page, 'review-invalid-phone');
  });
});
