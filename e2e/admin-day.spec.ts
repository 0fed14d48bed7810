import { expect, test } from '@playwright/test';
import { book, customer, pay, slot } from './admin-day-support.js';
import { apiContext, bearer, businessDay, expectAccessible, signInAs, snap, staff, world } from './support.js';

/**
 * The staff console's Today page: a day's run (confirm → complete → the review request queued),
 * cancelling with what the customer is told, the needs-attention lists, and what an operator may
 * and may not do. Slots only on this spec's days (businessDay 17–18) and TODAY for the day's run.
 */
test.describe('Today: the day’s sessions', () => {
  test('a day’s run: a paid session today is confirmed, completed once it starts, and the review request is queued', async ({ page }) => {
    test.setTimeout(420_000);
    const api = await apiContext();
    const admin = await staff(api, 'admin', 'Avery Admin');
    // The session the global setup booked, awaiting payment, a few minutes after the run began
    // (e2e/global-setup.ts): completing needs the session to have started.
    const session = world().sessions.dayRun;
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(session.startsAt));

    await signInAs(page, admin, `/admin?day=${day}`);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Dana Dayrun/ }) });
    await expect(card).toBeVisible();
    await expect(card.getByRole('link', { name: '+13105550199' })).toHaveAttribute('href', 'tel:+13105550199');
    await expect(card.getByRole('link', { name: /123 Main St/ })).toHaveAttribute('href', /^https:\/\/www\.google\.com\/maps\/search\/\?api=1&query=123%20Main%20St/);
    await expect(card.getByText('Towels')).toBeVisible();
    // Awaiting payment: staff confirm it (say, paid in cash at the door).
    await expect(card.getByText('The customer gets a confirmation email')).toBeVisible();
    await card.getByRole('button', { name: /^Confirm/ }).click();
    await expect(card.getByText('Confirmed', { exact: true })).toBeVisible();
    await expect(card.getByText(/The customer gets a review request email/)).toBeVisible();
    await expect(card.getByText(/The customer gets a cancellation email/)).toBeVisible();
    await expectAccessible(page);
    await snap(page, 'admin-today');

    // Wait for the session to start, then Complete.
    await expect.poll(() => Date.now() >= Date.parse(session.startsAt) + 1000, { timeout: 420_000, intervals: [2000] }).toBe(true);
    await page.reload();
    await expect(card.getByRole('button', { name: /^Complete/ })).toBeEnabled();
    await card.getByRole('button', { name: /^Complete/ }).click();
    await expect(card.getByText('Completed. The review request is queued.')).toBeVisible();
    await expect(card.getByText('Completed', { exact: true })).toBeVisible();

    const messages = await api.get('/api/admin/messages?kind=review_request&limit=500', { headers: bearer(admin.token) });
    expect(messages.status()).toBe(200);
    const mine = ((await messages.json()) as { messages: { booking_id: string; status: string; kind: string }[] }).messages.filter((m) => m.booking_id === session.bookingId);
    expect(mine).toEqual([expect.objectContaining({ kind: 'review_request', status: 'pending' })]);
  });

  test('previous and next day, awaiting payment, an admin’s cancel with a refund choice, an operator’s cancel to the refund list', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const operator = await staff(api, 'operator');
    const day17 = businessDay(17);
    const day18 = businessDay(18);
    const early = await slot(api, admin, day17, '09:00', '10:00');
    const late = await slot(api, admin, day17, '14:00', '15:00');
    await book(api, await customer(api, 'Morgan Unpaid'), late.id);
    const paidEarly = await book(api, await customer(api, 'Quinn Early'), early.id, 'infrared_sauna', { family: true });
    await pay(api, paidEarly);
    const paidSlot = await slot(api, admin, day18, '10:00', '11:00');
    const paid = await book(api, await customer(api, 'Sasha Refund'), paidSlot.id);
    await pay(api, paid);

    await signInAs(page, admin, `/admin?day=${day17}`);
    const sessions = page.getByRole('list').filter({ has: page.getByRole('heading', { name: /Quinn Early/ }) });
    await expect(sessions).toBeVisible();
    // In time order: 9:00 before 14:00.
    const headings = await sessions.getByRole('heading', { level: 3 }).allTextContents();
    expect(headings.findIndex((h) => h.includes('Quinn Early'))).toBeLessThan(headings.findIndex((h) => h.includes('Morgan Unpaid')));
    const morgan = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Morgan Unpaid/ }) });
    await expect(morgan.getByText('Awaiting payment', { exact: true })).toBeVisible();
    // Needs attention: Morgan awaits payment.
    const attention = page.getByRole('region', { name: 'Needs attention' });
    await expect(attention.getByRole('listitem').filter({ hasText: 'Morgan Unpaid' }).first()).toBeVisible();
    await expect(attention.getByRole('heading', { name: 'Failed messages' })).toBeVisible();

    // An admin's cancel: the refund choice; the answer says what happened to the money.
    await morgan.getByRole('button', { name: /^Cancel/ }).click();
    await expect(morgan.getByRole('group', { name: /the money goes back/ })).toBeVisible();
    await morgan.getByLabel('No refund').check();
    await morgan.getByRole('button', { name: 'Cancel the session' }).click();
    await expect(morgan.getByText(/^Cancelled\./)).toBeVisible();
    await expect(morgan.getByText('Cancelled', { exact: true })).toBeVisible();

    // Next day: Sasha's paid session.
    await page.getByRole('link', { name: 'Next day' }).click();
    await expect(page).toHaveURL(new RegExp(`day=${day18}`));
    await expect(page.getByRole('heading', { name: /Sasha Refund/ })).toBeVisible();
    await page.getByRole('link', { name: 'Previous day' }).click();
    await expect(page.getByRole('heading', { name: /Quinn Early/ })).toBeVisible();

    // An operator cancels Sasha's paid session: no refund choice; it goes on the admins' list.
    await page.evaluate(() => localStorage.clear());
    await signInAs(page, operator, `/admin?day=${day18}`);
    const sasha = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Sasha Refund/ }) });
    await expect(sasha.getByText(/an admin decides the refund/)).toBeVisible();
    await sasha.getByRole('button', { name: /^Cancel/ }).click();
    await expect(sasha.getByRole('group', { name: /the money goes back/ })).toHaveCount(0);
    await sasha.getByRole('button', { name: 'Cancel the session' }).click();
    await expect(sasha.getByText(/^Cancelled\./)).toBeVisible();
    // Operators see no money lists.
    const opAttention = page.getByRole('region', { name: 'Needs attention' });
    await expect(opAttention.getByRole('heading', { name: 'Awaiting payment' })).toBeVisible();
    await expect(opAttention.getByRole('heading', { name: /needs a refund/ })).toHaveCount(0);
    await expect(opAttention.getByRole('heading', { name: 'Failed messages' })).toHaveCount(0);
    await expectAccessible(page);

    // The admin sees it to refund.
    await page.evaluate(() => localStorage.clear());
    await signInAs(page, admin, '/admin');
    const refunds = page.getByRole('heading', { name: 'Paid but cancelled: needs a refund' }).locator('..');
    await expect(refunds.getByRole('link', { name: /Sasha Refund/ })).toBeVisible();
  });

  test('as an operator: Today and Calendar, no Slots page, no slot changes, the API refuses them too', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const operator = await staff(api, 'operator');
    const day = businessDay(18);
    const from = await slot(api, admin, day, '15:00', '16:00');
    const to = await slot(api, admin, day, '16:00', '17:00');
    const jo = await customer(api, 'Jo Operatorcase');
    const booked = await book(api, jo, from.id);

    await signInAs(page, operator, `/admin?day=${day}`);
    const nav = page.getByRole('navigation', { name: 'Staff console' });
    await expect(nav.getByRole('link', { name: 'Today' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Calendar' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Slots' })).toHaveCount(0);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Jo Operatorcase/ }) });
    await expect(card.getByRole('button', { name: /^Confirm/ })).toBeVisible();
    await card.getByRole('button', { name: /^Confirm/ }).click();
    await expect(card.getByText('Confirmed', { exact: true })).toBeVisible();

    await page.goto('/admin/slots');
    await expect(page.getByRole('heading', { name: 'Not for your role' })).toBeVisible();

    // The calendar: bookings can be moved, slots not managed.
    await page.goto(`/admin/calendar?day=${day}&view=day`);
    await expect(page.getByText('Jo Operatorcase', { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Manage/ })).toHaveCount(0);
    await page.getByRole('button', { name: /^Move Jo Operatorcase/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Move to').selectOption(to.id);
    await dialog.getByRole('button', { name: 'Move booking' }).click();
    await expect(dialog.getByText('Moved.')).toBeVisible();
    const after = (await (await api.get(`/api/bookings/${booked.booking.id}`, { headers: bearer(operator.token) })).json()) as { booking: { slot_id: string } };
    expect(after.booking.slot_id).toBe(to.id);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expectAccessible(page);

    // The API refuses operators what the page does not offer.
    expect((await api.patch(`/api/admin/slots/${from.id}`, { headers: bearer(operator.token), data: { is_available: false } })).status()).toBe(403);
    expect((await api.get('/api/admin/messages?status=failed', { headers: bearer(operator.token) })).status()).toBe(403);
    expect((await api.get('/api/admin/refunds/needed', { headers: bearer(operator.token) })).status()).toBe(403);
    expect((await api.get(`/api/admin/slots?from=${day}&to=${day}`, { headers: bearer(operator.token) })).status()).toBe(200);
  });

  test('Today on a tablet (820×1180)', async ({ page }) => {
    await page.setViewportSize({ width: 820, height: 1180 });
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const day = businessDay(17);
    const s = await slot(api, admin, day, '11:00', '12:00');
    await book(api, await customer(api, 'Taylor Tablet'), s.id, 'combo', { extra_visits: 2, electrolytes: true });
    await signInAs(page, admin, `/admin?day=${day}`);
    await expect(page.getByRole('heading', { name: /Taylor Tablet/ })).toBeVisible();
    await expect(page.getByText(/Extra visits × 2/)).toBeVisible();
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
    await expectAccessible(page);
    await snap(page, 'admin-today-tablet');
  });
});
