import { expect, test, type Page } from '@playwright/test';
import {
  apiContext,
  bearer,
  businessDay,
  openSlots,
  expectAccessible,
  expectNoHorizontalScroll,
  expectTapTargets,
  signInAs,
  signUp,
  snap,
  staff,
  uniqueEmail,
} from './support.js';

/** The customer's account pages: credits, refer a friend, profile, notifications. */

async function phoneChecks(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await expectNoHorizontalScroll(page);
  await expectTapTargets(page);
  await expectAccessible(page);
  await snap(page, `${name}-phone`);
}

test.describe('account pages', () => {
  test('signed-out visitors are sent to sign in, and come back to the page', async ({ page }) => {
    for (const path of ['/account/credits', '/account/referrals', '/account/profile', '/account/notifications']) {
      await page.goto(path);
      await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('redirect') === path);
    }
  });

  test('credits: a referral reward and credits used, in words, on both sides', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const rita = await signUp(api, { full_name: 'Rita Referrer' });
    const code = ((await (await api.get('/api/referrals', { headers: bearer(rita.token) })).json()) as { referral_code: string }).referral_code;
    const ann = await signUp(api, { full_name: 'Ann Invitee', referral_code: code });
    // Ann pays her first session (with credits an admin gives her): the referral reward is paid to both.
    const gift = await api.post(`/api/admin/customers/${ann.id}/credits`, { headers: bearer(admin.token), data: { amount: 1000, description: 'Launch gift' } });
    expect(gift.status()).toBe(201);
    const day = businessDay(10);
    await openSlots(api, admin, day, '09:00', '10:00', 60, 2);
    const slots = (await (await api.get(`/api/availability?from=${day}&to=${day}`)).json()) as { slots: { id: string; start_time: string }[] };
    const slot = slots.slots.find((s) => s.start_time.startsWith('09:00'))!;
    const zip = ((await (await api.get('/api/business')).json()) as { service_area_zips: string[] }).service_area_zips[0] ?? '90401';
    const booked = await api.post('/api/bookings', {
      headers: bearer(ann.token),
      data: { slot_id: slot.id, service_type: 'cold_plunge', address: { street: '2 Credit St', city: 'Santa Monica', state: 'CA', zip }, use_credits: 'all' },
    });
    expect(booked.status(), await booked.text()).toBe(201);

    await signInAs(page, rita, '/account/credits');
    await expect(page.getByText('Referral reward from Ann')).toBeVisible();
    await signInAs(page, ann, '/account/credits');
    await expect(page.getByText('Welcome reward: you joined with Rita’s link')).toBeVisible();
    const [, m, d] = day.split('-').map(Number);
    const month = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][m! - 1];
    await expect(page.getByText(`Used on ${d} ${month} for Cold Plunge`)).toBeVisible();
    await expect(page.getByText('Adjusted by Recovery Machine: Launch gift')).toBeVisible();
    await snap(page, 'credits-history');
  });

  test('credits: the balance and a staff adjustment in words', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const customer = await signUp(api, { full_name: 'Cora Credits' });
    const res = await api.post(`/api/admin/customers/${customer.id}/credits`, {
      headers: bearer(admin.token),
      data: { amount: 25, description: 'Sorry for the late arrival' },
    });
    expect(res.status(), await res.text()).toBe(201);

    await signInAs(page, customer, '/account/credits');
    await expect(page.getByRole('heading', { name: 'Credits', level: 1 })).toBeVisible();
    await expect(page.getByText('25 credits ($25)')).toBeVisible();
    await expect(page.getByText('Adjusted by Recovery Machine: Sorry for the late arrival')).toBeVisible();
    await expect(page.getByText('+25 credits')).toBeVisible();
    await expectAccessible(page);
    await snap(page, 'credits');
    await phoneChecks(page, 'credits');
  });

  test('referrals: copy the personal link, send an invitation, see it pending', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const api = await apiContext();
    const customer = await signUp(api, { full_name: 'Rita Referrer' });
    const me = (await (await api.get('/api/me', { headers: bearer(customer.token) })).json()) as { referral_code: string };
    const reward = ((await (await api.get('/api/business')).json()) as { referral_reward_credits: number }).referral_reward_credits;

    await signInAs(page, customer, '/account/referrals');
    await expect(page.getByRole('heading', { name: 'Refer a friend', level: 1 })).toBeVisible();
    await expect(page.getByText(`you each get ${reward} credits`)).toBeVisible();
    const link = `${new URL(page.url()).origin}/signup?ref=${me.referral_code}`;
    await expect(page.getByLabel('Your personal link')).toHaveValue(link);

    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect(page.getByText('Link copied.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    // The share button shows only where the browser can share.
    const canShare = await page.evaluate(() => typeof navigator.share === 'function');
    await expect(page.getByRole('button', { name: 'Share' })).toHaveCount(canShare ? 1 : 0);

    // An empty email is refused with a sentence next to the field.
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect(page.getByText('Please enter your friend’s email address')).toBeVisible();

    const friend = uniqueEmail('friend');
    await page.getByLabel("Friend's email").fill(friend);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect(page.getByText(`Invitation sent to ${friend}.`)).toBeVisible();
    const row = page.getByRole('listitem').filter({ hasText: friend });
    await expect(row).toContainText('Invited: not signed up yet');
    await expect(page.getByLabel("Friend's email")).toHaveValue('');

    // Inviting yourself is explained.
    await page.getByLabel("Friend's email").fill(customer.email);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect(page.getByText('You cannot refer yourself.')).toBeVisible();

    await page.reload();
    await expect(page.getByRole('listitem').filter({ hasText: friend })).toContainText('Invited: not signed up yet');
    await expectAccessible(page);
    await snap(page, 'referrals');
    await phoneChecks(page, 'referrals');
  });

  test('profile: change phone and address; a bad phone is explained next to the field', async ({ page }) => {
    const api = await apiContext();
    const customer = await signUp(api, { full_name: 'Paul Profile' });
    await signInAs(page, customer, '/account/profile');
    await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Full name')).toHaveValue('Paul Profile');

    await page.getByLabel('Phone').fill('call me maybe');
    await page.getByRole('button', { name: 'Save profile' }).click();
    const phone = page.getByLabel('Phone');
    await expect(phone).toHaveAttribute('aria-invalid', 'true');
    await expect(phone).toHaveAccessibleDescription('Please enter a phone number with its area code, e.g. (310) 555-0100.');
    await snap(page, 'profile-error');

    await phone.fill('(310) 555-0142');
    await page.getByLabel('Street').fill('12 Ocean Ave');
    await page.getByLabel('City').fill('Santa Monica');
    await page.getByLabel('State').fill('ca');
    await page.getByLabel('Zip code').fill('9040');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByLabel('Zip code')).toHaveAccessibleDescription('Please enter a 5-digit zip code, e.g. 90210.');
    await page.getByLabel('Zip code').fill('90401');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByText('Your profile is saved.')).toBeVisible();

    const me = (await (await api.get('/api/me', { headers: bearer(customer.token) })).json()) as { phone: string; address: unknown };
    expect(me.phone).toBe('(310) 555-0142');
    expect(me.address).toEqual({ street: '12 Ocean Ave', city: 'Santa Monica', state: 'CA', zip: '90401' });

    await page.reload();
    await expect(page.getByLabel('Phone')).toHaveValue('(310) 555-0142');
    await expect(page.getByLabel('City')).toHaveValue('Santa Monica');
    await expectAccessible(page);
    await snap(page, 'profile');
    await phoneChecks(page, 'profile');
  });

  test('notifications: a switch turned off stays off after a reload; texts need a phone', async ({ page }) => {
    const api = await apiContext();
    const customer = await signUp(api, { full_name: 'Nina Notify' });
    await signInAs(page, customer, '/account/notifications');
    await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible();

    // No phone yet: texts cannot be turned on, and the page says where to add one.
    await expect(page.getByRole('checkbox', { name: /Send me texts/ })).toBeDisabled();
    await page.getByRole('link', { name: 'Add your phone number in your profile' }).click();
    await expect(page).toHaveURL(/\/account\/profile$/);
    await page.goBack();

    const news = page.getByRole('checkbox', { name: /Referral news/ });
    await expect(news).toBeChecked();
    await news.click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await expect(news).not.toBeChecked();
    await page.reload();
    await expect(page.getByRole('checkbox', { name: /Referral news/ })).not.toBeChecked();
    const prefs = (await (await api.get('/api/me/notifications', { headers: bearer(customer.token) })).json()) as { referral_news: boolean };
    expect(prefs.referral_news).toBe(false);

    // With a phone, texts can be turned on.
    const patched = await api.patch('/api/me', { headers: bearer(customer.token), data: { phone: '(310) 555-0177' } });
    expect(patched.status()).toBe(200);
    await page.reload();
    const texts = page.getByRole('checkbox', { name: /Send me texts/ });
    await expect(texts).toBeEnabled();
    await expect(page.getByText('Texts go to (310) 555-0177.')).toBeVisible();
    await texts.click();
    await expect(texts).toBeChecked();
    await page.reload();
    await expect(page.getByRole('checkbox', { name: /Send me texts/ })).toBeChecked();
    await expectAccessible(page);
    await snap(page, 'notifications');
    await phoneChecks(page, 'notifications');
  });
});
