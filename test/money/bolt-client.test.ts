import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BoltProvider } from '../../src/payments/bolt.js';
import { FakeProvider } from '../../src/payments/fake.js';
import { PaymentProviderError } from '../../src/orders/payment-provider.js';
import { signBody } from '../../src/payments/signature.js';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { balance, book, booked, expectIntegrity, grant, makeCustomer, makeSlot, orderLedger, orderRow, readPrices, refund, slotCount, webhookBody } from './support.js';

// Several requests per test on two shared cores, with bcrypt password hashing at sign-up: allow headroom.
vi.setConfig({ testTimeout: 60_000 });

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

/**
 * A stand-in for Bolt's merchant API on 127.0.0.1, with the shapes of Bolt's API reference:
 * creating an order needs `channel`, `cart.order_reference` and `cart.currency` (else 422); a
 * credit names the payment by `transaction_reference` and answers with the credit transaction
 * (`id`, 12-character `reference`); the same Idempotency-Key gets the same credit back. Records
 * every call; `mode` decides the answers.
 */
class FakeBolt {
  readonly seen: Seen[] = [];
  mode: 'ok' | 'error' | 'not_json' | 'no_token' = 'ok';
  private server: Server | undefined;
  private counter = 0;
  private readonly credits = new Map<string, string>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? JSON.parse(text) : {};
        this.seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
        this.counter += 1;
        if (this.mode === 'error') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"message":"boom"}]}');
        if (this.mode === 'not_json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
        const json = (status: number, value: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (req.url === '/v1/merchant/orders') {
          if (typeof body.channel !== 'string' || typeof body.cart?.order_reference !== 'string' || typeof body.cart?.currency !== 'string') {
            return json(422, { errors: [{ message: 'channel, cart.order_reference and cart.currency are required' }] });
          }
          return json(200, this.mode === 'no_token' ? {} : { token: `boltTok_${this.counter}_abcdef0123` });
        }
        if (req.url === '/v1/merchant/transactions/credit') {
          if (typeof body.transaction_reference !== 'string' || typeof body.amount !== 'number' || typeof body.currency !== 'string') {
            return json(422, { errors: [{ message: 'transaction_reference, amount and currency are required' }] });
          }
          const key = String(req.headers['idempotency-key'] ?? '');
          const id = this.credits.get(key) ?? `TAcredit${this.counter}`;
          if (key) this.credits.set(key, id);
          return json(200, { id, reference: FakeProvider.referenceOf(id), type: 'cc_credit', status: 'completed' });
        }
        res.writeHead(404).end('{}');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    await once(this.server, 'close');
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

const API_KEY = 'test-bolt-api-key';
const PUBLISHABLE_KEY = 'test.publishable.key';
const SIGNING_SECRET = 'test-bolt-signing-secret';

describe('the Bolt client against a local stand-in', () => {
  const bolt = new FakeBolt();
  const publicUrl = 'https://rm.example.test';
  let provider: BoltProvider;

  beforeAll(async () => {
    await bolt.start();
    provider = new BoltProvider({ apiUrl: bolt.url, apiKey: API_KEY, publishableKey: PUBLISHABLE_KEY, publicUrl });
  });
  beforeEach(() => {
    bolt.mode = 'ok';
    bolt.seen.length = 0;
  });
  afterAll(() => bolt.stop());

  const order = { id: '5b0a8f6c-2d7e-4b1a-9c3d-0e1f2a3b4c5d', amount: 35000, currency: 'USD' as const, description: 'cold_plunge on 2030-01-01 at 09:00', email: 'c@example.com' };

  it('creates a checkout: POST /v1/merchant/orders with the API key, a fresh nonce and the cart', async () => {
    const first = await provider.createCheckout(order);
    const second = await provider.createCheckout({ ...order, amount: 100 });
    expect(bolt.seen).toHaveLength(2);
    const [a, b] = bolt.seen as [Seen, Seen];
    expect([a.method, a.path]).toEqual(['POST', '/v1/merchant/orders']);
    expect(a.headers['x-api-key']).toBe(API_KEY);
    expect(a.headers['content-type']).toMatch(/^application\/json/);
    expect(a.headers['x-nonce']).toMatch(/^[0-9a-f]{16,}$/);
    expect(b.headers['x-nonce']).not.toBe(a.headers['x-nonce']);
    expect(a.body.channel).toBe('browser');
    expect(a.body.cart).toMatchObject({ order_reference: order.id, total_amount: 35000, currency: 'USD' });
    expect(a.body.cart.items).toEqual([expect.objectContaining({ total_amount: 35000, quantity: 1, name: order.description })]);
    expect(b.body.cart.total_amount).toBe(100);
    expect(first).toEqual({ provider: 'bolt', checkoutId: 'boltTok_1_abcdef0123', url: `${publicUrl}/checkout/bolt/boltTok_1_abcdef0123` });
    expect(second.checkoutId).not.toBe(first.checkoutId);
  });

  it('refunds through the transaction credit endpoint, by the payment reference, with an Idempotency-Key', async () => {
    const credit = await provider.refund({ orderId: order.id, transactionReference: 'LBLJ-TWW7-R9VC', amountCents: 2500, idempotencyKey: 'key-1' });
    expect(credit.refundId).toMatch(/^TAcredit/);
    expect(credit.reference).toBe(FakeProvider.referenceOf(credit.refundId));
    const [call] = bolt.seen as [Seen];
    expect([call.method, call.path, call.headers['x-api-key']]).toEqual(['POST', '/v1/merchant/transactions/credit', API_KEY]);
    expect(call.headers['x-nonce']).toBeTruthy();
    expect(call.headers['idempotency-key']).toBe('key-1');
    expect(call.body).toEqual({ transaction_reference: 'LBLJ-TWW7-R9VC', amount: 2500, currency: 'USD', skip_hook_notification: false });
    // The same key again (a retry): the same credit, a fresh nonce.
    const again = await provider.refund({ orderId: order.id, transactionReference: 'LBLJ-TWW7-R9VC', amountCents: 2500, idempotencyKey: 'key-1' });
    expect(again).toEqual(credit);
    expect(bolt.seen[1]!.headers['x-nonce']).not.toBe(call.headers['x-nonce']);
  });

  it('turns errors, odd answers and an unreachable Bolt into PaymentProviderError', async () => {
    bolt.mode = 'error';
    const failed = await provider.createCheckout(order).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PaymentProviderError);
    expect((failed as PaymentProviderError).status).toBe(500);
    await expect(provider.refund({ orderId: order.id, transactionReference: 'X', amountCents: 1, idempotencyKey: 'key-2' })).rejects.toBeInstanceOf(PaymentProviderError);
    bolt.mode = 'not_json';
    await expect(provider.createCheckout(order)).rejects.toBeInstanceOf(PaymentProviderError);
    bolt.mode = 'no_token';
    await expect(provider.createCheckout(order)).rejects.toThrow(/token/);

    const nowhere = new BoltProvider({ apiUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: API_KEY, publishableKey: PUBLISHABLE_KEY, publicUrl });
    const unreachable = await nowhere.createCheckout(order).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(PaymentProviderError);
    expect((unreachable as Error).message).toMatch(/unreachable/);
    await expect(nowhere.refund({ orderId: order.id, transactionReference: 'X', amountCents: 1, idempotencyKey: 'key-2' })).rejects.toBeInstanceOf(PaymentProviderError);
  });
});

describe.each(engines)('PAYMENTS_PROVIDER=bolt on %s', (engine) => {
  const bolt = new FakeBolt();
  let t: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    await bolt.start();
    t = await startApp(engine, {
      PAYMENTS_PROVIDER: 'bolt',
      BOLT_API_URL: bolt.url,
      BOLT_API_KEY: API_KEY,
      BOLT_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
      BOLT_SIGNING_SECRET: SIGNING_SECRET,
    });
    admin = await signupStaff(t, 'admin');
  });
  beforeEach(() => {
    bolt.mode = 'ok';
    bolt.seen.length = 0;
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(async () => {
    await t?.close();
    await bolt.stop();
  });

  it('books with a Bolt checkout, serves its page, is paid by a Bolt-signed webhook and refunds through Bolt', async () => {
    expect(t.config.payments).toMatchObject({ provider: 'bolt', boltApiUrl: bolt.url, signingSecret: SIGNING_SECRET });
    const { PRICE, SETUP_FEE } = await readPrices(t);
    const due = PRICE.cold_plunge + SETUP_FEE; // a first booking: the service and the setup fee
    const c = await makeCustomer(t);
    const res = await booked(t, c, { slot_id: await makeSlot(t) });
    expect(res.checkout?.provider).toBe('bolt');
    const token = res.order.bolt_checkout_id!;
    expect(res.checkout?.url).toBe(`${t.config.publicUrl}/checkout/bolt/${token}`);
    expect(res.order).toMatchObject({ provider: 'bolt', status: 'pending', amount: due });
    const [created] = bolt.seen as [Seen];
    expect(created.path).toBe('/v1/merchant/orders');
    expect(created.body.cart).toMatchObject({ order_reference: res.order.id, total_amount: due });

    const page = await t.app.inject({ method: 'GET', url: new URL(res.checkout!.url).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`orderToken: "${token}"`);
    expect(page.body).toContain(PUBLISHABLE_KEY);
    expect(page.headers['content-security-policy']).toContain('bolt.com');
    expect((await t.app.inject({ method: 'GET', url: '/checkout/bolt/bad token!' })).statusCode).toBe(400);
    // No offline checkout here: nobody can approve a payment without Bolt.
    expect((await t.app.inject({ method: 'POST', url: `/checkout/fake/fake_chk_${'0'.repeat(32)}/approve` })).statusCode).toBe(404);

    // Bolt's webhook, signed with BOLT_SIGNING_SECRET (the fake's derived key would be refused).
    const body = webhookBody('payment', { id: 'TApayment1', orderId: res.order.id, amount: due });
    const forged = await t.app.inject({ method: 'POST', url: '/api/webhooks/bolt', payload: body, headers: { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(body, 'another-secret') } });
    expect(forged.statusCode).toBe(401);
    const hook = await t.app.inject({ method: 'POST', url: '/api/webhooks/bolt', payload: body, headers: { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(body, SIGNING_SECRET) } });
    expect(hook.json()).toEqual({ status: 'processed', outcome: 'paid' });
    const paid = await orderRow(t, res.order.id);
    expect(paid).toMatchObject({ status: 'paid', bolt_checkout_id: token });
    // Both the transaction's id and its 12-character reference are kept; a refund names the reference.
    const reference = paid.metadata.bolt_transaction_reference as string;
    expect(paid.metadata.bolt_transaction_id).toBe('TApayment1');
    expect(reference).toBe(FakeProvider.referenceOf('TApayment1'));

    const refunded = await refund(t, admin, res.order.id, { to: 'card', amount_cents: 15000 });
    expect(refunded.statusCode, refunded.body).toBe(200);
    expect(refunded.json().order).toMatchObject({ status: 'paid', refunded_cents: 15000, card_refunded_cents: 15000 });
    const credit = bolt.seen.find((s) => s.path === '/v1/merchant/transactions/credit')!;
    expect(credit.body).toMatchObject({ transaction_reference: reference, amount: 15000, currency: 'USD' });
    const { rows: stored } = await t.db.query<{ provider_refund_id: string; provider_refund_reference: string; idempotency_key: string; status: string }>(
      'select provider_refund_id, provider_refund_reference, idempotency_key, status from public.refunds where order_id = $1',
      [res.order.id],
    );
    expect(stored).toEqual([{ provider_refund_id: expect.stringMatching(/^TAcredit/), provider_refund_reference: FakeProvider.referenceOf(stored[0]!.provider_refund_id), idempotency_key: credit.headers['idempotency-key'], status: 'completed' }]);
    // Bolt then notifies that credit: already counted.
    const creditId = stored[0]!.provider_refund_id;
    const notice = webhookBody('credit', { id: creditId, orderId: res.order.id, amount: 15000, sourceReference: reference });
    const echoed = await t.app.inject({ method: 'POST', url: '/api/webhooks/bolt', payload: notice, headers: { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(notice, SIGNING_SECRET) } });
    expect(echoed.json()).toEqual({ status: 'processed', outcome: 'no_change' });
    expect(await orderRow(t, res.order.id)).toMatchObject({ refunded_cents: 15000, card_refunded_cents: 15000 });
  });

  it('when Bolt fails: booking answers 503 and gives up its order (place and credits back); a card refund answers 503 and refunds nothing', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 30);
    const slotId = await makeSlot(t);
    bolt.mode = 'error';
    const res = await book(t, c, { slot_id: slotId, use_credits: 30 });
    expect([res.statusCode, errorCode(res)]).toEqual([503, 'payment_provider_unavailable']);
    expect(bolt.seen).toHaveLength(1);
    expect(await slotCount(t, slotId)).toBe(0);
    expect(await balance(t, c.id)).toBe(30);
    // The checkout is opened after the booking committed: the order stays, failed, as a declined one does.
    const given = await t.db.query<{ id: string; status: string; reason: string; booking: string }>(
      `select o.id, o.status::text as status, o.metadata ->> 'failure_reason' as reason,
              (select b.status::text from public.bookings b where b.order_id = o.id) as booking
         from public.orders o where o.user_id = $1`,
      [c.id],
    );
    expect(given.rows).toEqual([{ id: expect.any(String), status: 'failed', reason: 'checkout_failed', booking: 'cancelled' }]);
    expect(await orderLedger(t, given.rows[0]!.id)).toEqual(['refunded:30', 'spent:-30']);

    bolt.mode = 'ok';
    const ok = await booked(t, c, { slot_id: slotId, use_credits: 30 });
    const body = webhookBody('payment', { id: 'TApayment2', orderId: ok.order.id, amount: ok.order.amount });
    await t.app.inject({ method: 'POST', url: '/api/webhooks/bolt', payload: body, headers: { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(body, SIGNING_SECRET) } });
    expect((await orderRow(t, ok.order.id)).status).toBe('paid');
    bolt.mode = 'error';
    const failed = await refund(t, admin, ok.order.id, { to: 'card', amount_cents: 1000 });
    expect([failed.statusCode, errorCode(failed)]).toEqual([503, 'payment_provider_unavailable']);
    expect(await orderRow(t, ok.order.id)).toMatchObject({ status: 'paid', refunded_cents: 0, card_refunded_cents: 0 });
    // Refunds to credits never need Bolt.
    const toCredits = await refund(t, admin, ok.order.id, { to: 'credits', amount_cents: 1000 });
    expect(toCredits.statusCode, toCredits.body).toBe(200);
    expect(await balance(t, c.id)).toBe(10);
    expect((await t.app.inject({ method: 'GET', url: '/api/orders', headers: bearer(c.token) })).json().total).toBe(2);
  });
});
