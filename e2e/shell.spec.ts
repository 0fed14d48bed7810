import { expect, test } from '@playwright/test';
import { apiContext, expectAccessible, expectNoHorizontalScroll, expectTapTargets } from './support.js';

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
