import { expect, test } from '@playwright/test';
import { apiContext, expectAccessible, expectNoHorizontalScroll, expectTapTargets, signUp } from './support.js';

/** The frame every page shares: the header, a skip link, the 404 page, client routes on reload. */
test.describe('the app shell', () => {
  test('unknown paths show the not-found page, inside the frame', async ({ page }) => {
    await page.goto('/no-such-page');
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Go to the home page' })).toBeVisible();
    await expectAccessible(page);
  });

  test('a keyboard user can skip to the content', async ({ page }) => {
    await page.goto('/');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeAttached(); // the app has rendered
    await page.keyboard.press('Tab');
    await expect(skip).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('#main')).toBeFocused();
  });

  test('the header fits a phone, with tap targets of at least 44 px', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/login');
    await expectNoHorizontalScroll(page);
    await expectTapTargets(page);
  });

  test('the API still answers JSON beside the app', async () => {
    const api = await apiContext();
    const res = await api.get('/api/business');
    expect(res.status()).toBe(200);
    expect(await res.json()).toHaveProperty('timezone', 'America/Los_Angeles');
  });
});

test.describe('a signed-in session across an expired access token', () => {
  for (const [name, stale] of [
    ['past its expiry', (s: { access_token: string }) => ({ ...s, expires_at: Date.now() - 60_000 })],
    ['refused by the API (401)', (s: { access_token: string }) => ({ ...s, access_token: `${s.access_token.slice(0, -4)}AAAA`, expires_at: Date.now() + 3_000_000 })],
  ] as const) {
    test(`a reload with an access token ${name} refreshes and just works`, async ({ page }) => {
      const api = await apiContext();
      const account = await signUp(api, { full_name: 'Rory Refresh' });
      await page.goto('/login');
      const session = { access_token: account.token, refresh_token: account.refresh_token, expires_at: 0, user: { id: account.id, email: account.email } };
      await page.evaluate((s) => localStorage.setItem('rm.session', JSON.stringify(s)), stale(session));
      await page.goto('/account/bookings');
      await expect(page.getByRole('heading', { name: 'My bookings', level: 1 })).toBeVisible();
      // The heading shows before the data; the empty list shows only once the API has answered,
      // which needs the refresh to have happened first.
      await expect(page.getByText('No upcoming sessions.')).toBeVisible();
      await expect(page.getByRole('link', { name: 'Sign in' })).toHaveCount(0);
      const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem('rm.session') ?? 'null') as { refresh_token: string; expires_at: number } | null);
      await expect.poll(async () => (await stored())?.refresh_token).not.toBe(account.refresh_token); // rotated
      expect((await stored())!.expires_at).toBeGreaterThan(Date.now());
    });
  }
});
