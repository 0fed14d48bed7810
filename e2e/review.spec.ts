import { expect, test } from '@playwright/test';
import { E2E_SECRET } from '../playwright.config.js';
import { ReviewLinks } from '../src/reviews/tokens.js';
import { apiContext, BASE_URL, bearer, completeWhenStarted, expectAccessible, expectNoHorizontalScroll, expectTapTargets, snap, staff, world } from './support.js';

/**
 * The review link (/review/<token>). A link is only made for a completed session, and a session
 * can only be completed once it has started, so the test takes the session the global setup booked
 * a few minutes ahead (e2e/global-setup.ts), waits for it to start, completes it as an admin, and
 * signs the link with the server's own code and secret.
 */

interface Settings {
  google_review_url: string | null;
}

const GOOGLE = 'https://search.google.com/local/writereview?placeid=e2e-test';

test.describe('the review link', () => {
  test('a customer rates a session, is offered Google whatever the rating, and the link then says it is done', async ({ page, browser }) => {
    test.setTimeout(360_000);
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    // The session the global setup booked a few minutes ahead (e2e/global-setup.ts), completed once it starts.
    const session = world().sessions.review;
    const customer = session.customer;
    await completeWhenStarted(api, admin, session);
    const bookingId = session.bookingId;
    const before = (await (await api.get('/api/admin/settings', { headers: bearer(admin.token) })).json()) as Settings;
    const put = (data: Partial<Settings>) => api.put('/api/admin/settings', { headers: bearer(admin.token), data });
    expect((await put({ google_review_url: GOOGLE })).status()).toBe(200);

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
