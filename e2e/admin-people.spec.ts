import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import {
  approveCheckout,
  apiContext,
  bearer,
  businessDay,
  expectAccessible,
  expectNoHorizontalScroll,
  openSlots,
  payTheWrongAmount,
  signInAs,
  signUp,
  snap,
  staff,
  uniqueEmail,
  type Account,
} from './support.js';

/**
 * The console's people and money pages (issue 13): customers and credits, orders and refunds,
 * the message log, the team; and the same pages for an operator, without the money actions.
 * Slots only on businessDay(24) … businessDay(30).
 */

const ADDRESS = { street: '500 Ocean Ave', city: 'Santa Monica', state: 'CA', zip: '90401' };

/** axe and no sideways scroll at 1280×800 and on a tablet at 820×1180, with a screenshot of each. */
async function checkViewports(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await expectAccessible(page);
  await expectNoHorizontalScroll(page);
  await snap(page, name);
  await page.setViewportSize({ width: 820, height: 1180 });
  await expectAccessible(page);
  await expectNoHorizontalScroll(page);
  await snap(page, `${name}-tablet`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** A customer books the first open time of `day` and pays at the fake checkout: the paid order's id and amount (cents). */
async function paidBooking(api: APIRequestContext, admin: Account, customer: Account, day: string): Promise<{ orderId: string; amount: number }> {
  await openSlots(api, admin, day, '09:00', '12:00', 60, 2);
  const free = await api.get(`/api/availability?from=${day}&to=${day}`);
  expect(free.status()).toBe(200);
  const slot = ((await free.json()) as { slots: { id: string; remaining: number }[] }).slots.find((s) => s.remaining > 0);
  expect(slot, `an open slot on ${day}`).toBeDefined();
  const res = await api.post('/api/bookings', { headers: bearer(customer.token), data: { slot_id: slot!.id, service_type: 'cold_plunge', address: ADDRESS } });
  expect(res.status(), await res.text()).toBe(201);
  const body = (await res.json()) as { order: { id: string; amount: number }; checkout: { url: string } | null };
  expect(body.checkout, 'something to pay').not.toBeNull();
  await approveCheckout(api, body.checkout!.url);
  return { orderId: body.order.id, amount: body.order.amount };
}

const uniqueName = (first: string) => `${first} Quill${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

test.describe('the console: customers, orders, messages, team', () => {
  test('an admin finds a customer by name and adjusts credits; the ledger shows it', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const name = uniqueName('Marisol');
    const customer = await signUp(api, { full_name: name, phone: '3105550142' });

    await signInAs(page, admin, '/admin/customers');
    await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
    await page.getByLabel('Search customers').fill(name.split(' ')[1]!); // by surname
    await page.getByRole('button', { name: 'Search' }).click();
    const link = page.getByRole('link', { name });
    await expect(link).toBeVisible();
    await expect(page.getByRole('cell', { name: customer.email })).toBeVisible();
    await checkViewports(page, 'admin-customers');

    // By email too, and a search that matches nobody says so.
    await page.getByLabel('Search customers').fill('nobody-at-all-zzz');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('No customer matches “nobody-at-all-zzz”.')).toBeVisible();
    await page.getByLabel('Search customers').fill(customer.email);
    await page.getByRole('button', { name: 'Search' }).click();
    await link.click();

    await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
    await expect(page.getByTestId('credit-balance')).toHaveText(/^0 /);
    const adjust = page.getByRole('region', { name: 'Adjust credits' });
    await adjust.getByLabel('Credits').fill('15');
    await adjust.getByLabel('Reason').fill('Goodwill: the van was late');
    await adjust.getByRole('button', { name: 'Adjust credits' }).click();
    await expect(page.getByText('Added 15 credits. The balance is now 15.')).toBeVisible();
    const ledger = page.getByRole('table', { name: 'Credits ledger' });
    await expect(ledger.getByRole('row').filter({ hasText: 'Goodwill: the van was late' })).toContainText('+15');
    await expect(page.getByTestId('credit-balance')).toHaveText(/^15 /);

    // A negative adjustment, and one that would go below zero is refused with a sentence.
    await adjust.getByLabel('Credits').fill('-5');
    await adjust.getByLabel('Reason').fill('Correction');
    await adjust.getByRole('button', { name: 'Adjust credits' }).click();
    await expect(page.getByText('Took away 5 credits. The balance is now 10.')).toBeVisible();
    await expect(ledger.getByRole('row').filter({ hasText: 'Correction' })).toContainText('-5');
    await adjust.getByLabel('Credits').fill('-500');
    await adjust.getByLabel('Reason').fill('Too much');
    await adjust.getByRole('button', { name: 'Adjust credits' }).click();
    await expect(adjust.getByRole('alert')).toContainText('You do not have that many credits.');
    await expect(page.getByTestId('credit-balance')).toHaveText(/^10 /);
    await checkViewports(page, 'admin-customer');

    // The customer's own ledger says the same.
    const mine = await api.get('/api/me/credits', { headers: bearer(customer.token) });
    expect(((await mine.json()) as { balance: number }).balance).toBe(10);
  });

  test('an admin refunds part of a paid order to the card and part as credits, never more than was paid', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const customerName = uniqueName('Refugio');
    const customer = await signUp(api, { full_name: customerName });
    const { orderId, amount } = await paidBooking(api, admin, customer, businessDay(24));
    expect(amount, 'the order is big enough for both refunds').toBeGreaterThan(3550);

    await signInAs(page, admin, '/admin/orders?status=paid');
    await expect(page.getByRole('heading', { name: 'Orders', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Status')).toHaveValue('paid');
    const row = page.locator(`a[href="/admin/orders/${orderId}"]`);
    await expect(row).toBeVisible();
    // Each order names its customer, a link to their page.
    await expect(page.getByRole('row').filter({ has: row }).getByRole('link', { name: customerName })).toHaveAttribute('href', `/admin/customers/${customer.id}`);
    await checkViewports(page, 'admin-orders');
    // The filter works: a failed-orders list does not show this paid order.
    await page.getByLabel('Status').selectOption('failed');
    await expect(page).toHaveURL(/status=failed/);
    await expect(page.getByRole('heading', { name: 'Orders', level: 1 })).toBeVisible();
    await expect(page.locator(`a[href="/admin/orders/${orderId}"]`)).toHaveCount(0);
    await page.getByLabel('Status').selectOption('paid');
    await row.click();

    await expect(page.getByRole('heading', { name: 'Order: Paid' })).toBeVisible();
    await expect(page.getByTestId('refundable')).toContainText(`Up to ${dollarsText(amount)} can be refunded`);
    await expect(page.getByRole('table', { name: 'Webhook events' })).toBeVisible();
    const form = page.getByRole('region', { name: 'Refund' });

    await form.getByLabel('Amount in dollars').fill('25.50');
    await form.getByLabel('Refund to').selectOption('card');
    await form.getByRole('button', { name: 'Refund' }).click();
    await expect(page.getByText('Refunded $25.50 to the card.')).toBeVisible();
    const refunds = page.getByRole('table', { name: 'Refunds' });
    await expect(refunds.getByRole('row').filter({ hasText: '$25.50' })).toContainText('Card');
    await expect(page.getByTestId('refundable')).toContainText(`Up to ${dollarsText(amount - 2550)} can be refunded`);

    await form.getByLabel('Amount in dollars').fill('10');
    await form.getByLabel('Refund to').selectOption('credits');
    await form.getByRole('button', { name: 'Refund' }).click();
    await expect(page.getByText('Refunded $10 as credits.')).toBeVisible();
    await expect(refunds.getByRole('row').filter({ hasText: 'Credits' })).toContainText('$10');
    await expect(page.getByTestId('refundable')).toContainText(`Up to ${dollarsText(amount - 3550)} can be refunded`);

    // More than is left: the API refuses, the page says why and how much is left.
    await form.getByLabel('Amount in dollars').fill(String(amount / 100 + 1));
    await form.getByLabel('Refund to').selectOption('card');
    await form.getByRole('button', { name: 'Refund' }).click();
    await expect(form.getByRole('alert')).toContainText(`You cannot refund more than was paid. At most ${dollarsText(amount - 3550)} can be refunded to the card.`);
    await checkViewports(page, 'admin-order');

    // The money moved: the order's totals and the customer's credits.
    const order = await api.get(`/api/admin/orders/${orderId}`, { headers: bearer(admin.token) });
    expect(await order.json()).toMatchObject({ order: { refunded_cents: 3550, card_refunded_cents: 2550, status: 'paid' }, refundable_cents: amount - 3550 });
    const credits = await api.get('/api/me/credits', { headers: bearer(customer.token) });
    expect(((await credits.json()) as { balance: number }).balance).toBe(10);
  });

  test('an order paid the wrong amount is flagged on the Today page until an admin marks it reviewed', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin', 'Ada Reviewer');
    const customerName = uniqueName('Flavia');
    const customer = await signUp(api, { full_name: customerName });
    const day = businessDay(27);
    await openSlots(api, admin, day, '09:00', '12:00', 60, 2);
    const slot = ((await (await api.get(`/api/availability?from=${day}&to=${day}`)).json()) as { slots: { id: string }[] }).slots[0]!;
    const booked = await api.post('/api/bookings', { headers: bearer(customer.token), data: { slot_id: slot.id, service_type: 'cold_plunge', address: ADDRESS } });
    expect(booked.status(), await booked.text()).toBe(201);
    const { order } = (await booked.json()) as { order: { id: string; amount: number } };
    await payTheWrongAmount(api, order.id, order.amount);

    await signInAs(page, admin, '/admin');
    const flaggedCard = page.getByRole('region', { name: 'Needs attention' }).locator('.card').filter({ has: page.getByRole('heading', { name: 'Orders flagged for review' }) });
    const link = flaggedCard.getByRole('link', { name: new RegExp(customerName) });
    await expect(link).toBeVisible();
    await expect(flaggedCard.getByRole('listitem').filter({ hasText: customerName })).toContainText('(needs review, amount mismatch)');
    await link.click();

    await expect(page.getByRole('heading', { name: 'Order: Pending' })).toBeVisible();
    await expect(page.getByText('Needs review, Amount mismatch')).toBeVisible();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Mark reviewed' }).click();
    await expect(page.getByTestId('flags-reviewed')).toContainText('Reviewed by Ada Reviewer');
    await expect(page.getByRole('button', { name: 'Mark reviewed' })).toHaveCount(0);

    await page.getByRole('link', { name: 'Today' }).click();
    await expect(page.getByRole('heading', { name: 'Orders flagged for review' })).toBeVisible();
    await expect(flaggedCard.getByRole('link', { name: new RegExp(customerName) })).toHaveCount(0);
  });

  test('an admin reads the message log, filtered by status and kind', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const customer = await signUp(api, { full_name: uniqueName('Mensaje') });
    await paidBooking(api, admin, customer, businessDay(25));
    // The worker sends it within moments (fake texts, .eml files).
    await expect
      .poll(async () => {
        const res = await api.get('/api/admin/messages?kind=booking_received&limit=500', { headers: bearer(admin.token) });
        return ((await res.json()) as { messages: { recipient: string; status: string }[] }).messages.find((m) => m.recipient === customer.email)?.status;
      }, { timeout: 30_000 })
      .toBe('sent');

    await signInAs(page, admin, '/admin/messages?kind=booking_received');
    await expect(page.getByRole('heading', { name: 'Messages', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Kind')).toHaveValue('booking_received');
    const ours = page.getByRole('row').filter({ hasText: customer.email });
    await expect(ours.first()).toBeVisible();
    await expect(ours.first()).toContainText('Booking received');
    await checkViewports(page, 'admin-messages');

    // The status filter: it shows under "Sent".
    await page.getByLabel('Status').selectOption('sent');
    await expect(page).toHaveURL(/status=sent/);
    await expect(ours.first()).toBeVisible();
    await expect(ours.first()).toContainText('Sent');
    // Nothing in this run fails honestly (the e2e server's mail and texts are offline fakes that
    // always succeed), so "Failed" lists no message of this customer, and Retry is only offered
    // for failed ones: the API refuses to retry a sent message.
    await page.getByLabel('Status').selectOption('failed');
    await expect(page).toHaveURL(/status=failed/);
    await expect(page.getByText(/^No messages match these filters\.$|\d+ messages?$/)).toBeVisible();
    await expect(ours).toHaveCount(0);
    const sent = await api.get(`/api/admin/messages?status=sent&kind=booking_received&limit=500`, { headers: bearer(admin.token) });
    const message = ((await sent.json()) as { messages: { id: string; recipient: string }[] }).messages.find((m) => m.recipient === customer.email);
    expect(message).toBeDefined();
    const retry = await api.post(`/api/admin/messages/${message!.id}/retry`, { headers: bearer(admin.token) });
    expect(retry.status()).toBe(409);
  });

  test('a failed message offers Retry, which asks the API to send it again (the log answered by a stand-in)', async ({ page }) => {
    // No message fails honestly on the e2e server (its mail and texts are offline fakes that always
    // succeed), so the list is answered here with one failed message, and the retry is caught.
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const id = '5b0c3c43-9d1e-4a57-9a4e-2f6b1d0e9a11';
    const now = new Date().toISOString();
    const failed = {
      id, kind: 'reminder', channel: 'sms', user_id: null, booking_id: null, order_id: null, recipient: '+13105550199',
      status: 'failed', attempts: 5, provider_id: null, last_error: 'Twilio refused the message (HTTP 400, error 21211): invalid number',
      send_after: now, data: {}, idempotency_key: `reminder:${id}`, created_at: now, updated_at: now, sent_at: null,
    };
    let retried = false;
    await page.route((url) => url.pathname === '/api/admin/messages', (route) =>
      route.fulfill({ json: { messages: [retried ? { ...failed, status: 'pending', attempts: 0, last_error: null } : failed], total: 1 } }),
    );
    await page.route(`**/api/admin/messages/${id}/retry`, (route) => {
      expect(route.request().method()).toBe('POST');
      retried = true;
      return route.fulfill({ json: { id, kind: 'reminder', status: 'pending', attempts: 0, send_after: now } });
    });
    await signInAs(page, admin, '/admin/messages?status=failed');
    const row = page.getByRole('row').filter({ hasText: '+13105550199' });
    await expect(row).toContainText('Failed after 5 attempts');
    await expect(row).toContainText('invalid number');
    await expectAccessible(page);
    await row.getByRole('button', { name: 'Retry the reminder to +13105550199' }).click();
    await expect(page.getByText('The reminder to +13105550199 will be sent again.')).toBeVisible();
    await expect(row).toContainText('Pending');
    await expect(row.getByRole('button', { name: /Retry/ })).toHaveCount(0);
    expect(retried).toBe(true);
  });

  test('an operator sees customers without the money: no Adjust credits, no Refund, no Team; the API refuses them', async ({ page }) => {
    const api = await apiContext();
    const admin = await staff(api, 'admin');
    const operator = await staff(api, 'operator');
    const name = uniqueName('Octavia');
    const customer = await signUp(api, { full_name: name });
    const { orderId } = await paidBooking(api, admin, customer, businessDay(26));

    await signInAs(page, operator, '/admin/customers');
    const nav = page.getByRole('navigation', { name: 'Staff console' });
    await expect(nav.getByRole('link', { name: 'Customers' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Team' })).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Messages' })).toHaveCount(0);
    await page.getByLabel('Search customers').fill(name);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Bookings' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Adjust credits' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Adjust credits' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Credits ledger' })).toHaveCount(0);
    await expect(page.getByText('Orders, the credits ledger and referrals are shown to admins.')).toBeVisible();
    await checkViewports(page, 'admin-customer-operator');

    // Orders are not in an operator's menu, and their pages say they are for admins.
    await expect(page.getByRole('navigation', { name: 'Staff console' }).getByRole('link', { name: 'Orders' })).toHaveCount(0);
    await page.goto(`/admin/orders/${orderId}`);
    await expect(page.getByRole('heading', { name: 'Not for your role' })).toBeVisible();
    await expect(page.getByText('Only admins may use Orders.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Refund' })).toHaveCount(0);
    await page.goto('/admin/team');
    await expect(page.getByRole('heading', { name: 'Not for your role' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Add to the team' })).toHaveCount(0);

    // The API refuses them anyway.
    const h = { headers: bearer(operator.token) };
    expect((await api.post(`/api/admin/customers/${customer.id}/credits`, { ...h, data: { amount: 5, description: 'nope' } })).status()).toBe(403);
    expect((await api.post(`/api/admin/orders/${orderId}/refund`, { ...h, data: { amount_cents: 100, to: 'card' } })).status()).toBe(403);
    expect((await api.get(`/api/admin/orders/${orderId}`, h)).status()).toBe(403);
    expect((await api.get('/api/admin/messages', h)).status()).toBe(403);
    expect((await api.get('/api/admin/staff', h)).status()).toBe(403);
    expect((await api.post('/api/admin/staff', { ...h, data: { email: uniqueEmail('x'), role: 'operator' } })).status()).toBe(403);
    const detail = await api.get(`/api/admin/customers/${customer.id}`, h);
    expect(await detail.json()).toMatchObject({ orders: null, credit_ledger: null, referrals: null });
    // An admin has no Team either.
    expect((await api.get('/api/admin/staff', { headers: bearer(admin.token) })).status()).toBe(403);
  });

  test('a super admin adds an operator, who signs up and sees the console; changes and removes a member', async ({ page }) => {
    const api = await apiContext();
    const boss = await staff(api, 'super_admin');
    const newcomer = uniqueEmail('newop');
    const temp = uniqueEmail('temp');

    await signInAs(page, boss, '/admin/team');
    await expect(page.getByRole('heading', { name: 'Team', level: 1 })).toBeVisible();
    const add = page.getByRole('region', { name: 'Add a team member' });
    await add.getByLabel('Email').fill('not-an-email');
    await add.getByRole('button', { name: 'Add to the team' }).click();
    await expect(page.getByRole('alert')).toContainText('Enter the person’s email address');
    await add.getByLabel('Email').fill(newcomer);
    await add.getByLabel('Role').selectOption('operator');
    await add.getByRole('button', { name: 'Add to the team' }).click();
    await expect(page.getByText(`${newcomer} is now operator. They get the role when they sign up with this email.`)).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: newcomer })).toContainText('(not signed up yet)');
    await expect(page.getByLabel(`Role of ${newcomer}`)).toHaveValue('operator');

    // Another member: made admin, then removed.
    await add.getByLabel('Email').fill(temp);
    await add.getByLabel('Role').selectOption('operator');
    await add.getByRole('button', { name: 'Add to the team' }).click();
    await expect(page.getByLabel(`Role of ${temp}`)).toHaveValue('operator');
    await page.getByLabel(`Role of ${temp}`).selectOption('admin');
    await expect(page.getByText(`${temp} is now admin.`)).toBeVisible();
    await expect(page.getByLabel(`Role of ${temp}`)).toHaveValue('admin');
    await checkViewports(page, 'admin-team');
    await page.getByRole('button', { name: `Remove ${temp}` }).click();
    await expect(page.getByText(`${temp} is no longer on the team.`)).toBeVisible();
    await expect(page.getByLabel(`Role of ${temp}`)).toHaveCount(0);

    // The new operator signs up and finds the console, without the money pages or Team.
    const op = await signUp(api, { email: newcomer, full_name: 'New Operator' });
    await signInAs(page, op, '/admin');
    const nav = page.getByRole('navigation', { name: 'Staff console' });
    await expect(nav.getByRole('link', { name: 'Customers' })).toBeVisible();
    await expect(page.getByText('Signed in as operator')).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Team' })).toHaveCount(0);
    const me = await api.get('/api/me', { headers: bearer(op.token) });
    expect(await me.json()).toMatchObject({ staff_role: 'operator' });
  });
});

/** What dollars() shows: "$12" or "$12.50". */
function dollarsText(cents: number): string {
  return (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: cents % 100 === 0 ? 0 : 2 });
}
