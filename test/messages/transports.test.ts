import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createRenderer } from '../../src/messages/render.js';
import { createMailer, FileMailer, SmtpMailer } from '../../src/messages/transports/mail.js';
import { createSmsSender, FakeSms, OffSms, TwilioError, TwilioSms } from '../../src/messages/transports/sms.js';
import { smtpServer } from '../helpers/smtp.js';
import type { BusinessContact, RenderedEmail } from '../../src/messages/types.js';

const business: BusinessContact = { name: 'Recovery Machine', phone: '+1 310 555 0100', address: '1 Ocean Ave', timezone: 'America/Los_Angeles', publicUrl: 'https://rm.example.com' };
const render = createRenderer({ secret: 'transport-test-secret-transport-test-secret' });
const BOOKING = '6f1c8f0e-8a43-4f7e-9c5e-111111111111';
const session = { service_type: 'cold_plunge', service_name: 'Cold Plunge', starts_at: '2026-12-08T18:00:00.000Z', duration_minutes: 60, address: null };

function email(kind: 'booking_confirmed' | 'reminder' = 'booking_confirmed'): RenderedEmail {
  return render({ id: 'm1', kind, channel: 'email', to: 'ann@example.com', bookingId: BOOKING, orderId: null, userId: '6f1c8f0e-8a43-4f7e-9c5e-222222222222', data: session }, business).email;
}

/** The unfolded header block of a raw message. */
const headersOf = (raw: string) => raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');

describe('email over SMTP (a real smtp-server in this process)', () => {
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  beforeAll(async () => {
    smtp = await smtpServer({ user: 'mailer', pass: 's3cret' });
  });
  afterAll(() => smtp.close());

  it('delivers the message with its headers, both bodies and the .ics, authenticated from SMTP_URL', async () => {
    const mailer = new SmtpMailer(`smtp://mailer:s3cret@127.0.0.1:${smtp.port}`, 'Recovery Machine <hello@rm.example.com>');
    const { providerId } = await mailer.send(email(), 'booking_confirmed:abc');
    await mailer.close();
    expect(providerId).toBe('<booking_confirmed_abc@recovery-machine>');
    expect(smtp.received).toHaveLength(1);
    const { from, to, raw } = smtp.received[0]!;
    expect(from).toBe('hello@rm.example.com');
    expect(to).toEqual(['ann@example.com']);
    const headers = headersOf(raw);
    expect(headers).toMatch(/^X-Message-Kind: booking_confirmed$/m);
    // Header names are case-insensitive (RFC 5322); nodemailer writes this one as X-Booking-ID.
    expect(headers).toMatch(new RegExp(`^X-Booking-Id: ${BOOKING}$`, 'mi'));
    expect(headers).toMatch(/^Message-ID: <booking_confirmed_abc@recovery-machine>$/m);
    expect(headers).not.toMatch(/^List-Unsubscribe/m);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=PUBLISH;?\s+name=session\.ics/);
  });

  it('carries List-Unsubscribe and List-Unsubscribe-Post on a reminder', async () => {
    const mailer = new SmtpMailer(`smtp://mailer:s3cret@127.0.0.1:${smtp.port}`, 'hello@rm.example.com');
    await mailer.send(email('reminder'), 'reminder:1');
    await mailer.close();
    const headers = headersOf(smtp.received.at(-1)!.raw);
    expect(headers).toMatch(/^List-Unsubscribe: <https:\/\/rm\.example\.com\/api\/unsubscribe\/[\w.-]+>$/m);
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  });

  it('fails the send (for the worker to retry) on wrong credentials or no server', async () => {
    await expect(new SmtpMailer(`smtp://mailer:wrong@127.0.0.1:${smtp.port}`, 'a@b.example').send(email(), 'k')).rejects.toThrow(/Invalid/);
    const dead = await smtpServer();
    await dead.close();
    await expect(new SmtpMailer(`smtp://127.0.0.1:${dead.port}`, 'a@b.example').send(email(), 'k')).rejects.toThrow();
  });
});

describe('email without SMTP_URL: .eml files under DATA_DIR/mail', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'rm-mail-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes each message as a file, listed in sending order', async () => {
    const mailer = createMailer(loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40) }).mail, dataDir);
    expect(mailer).toBeInstanceOf(FileMailer);
    const kinds = ['booking_confirmed', 'reminder', 'booking_confirmed'] as const;
    const ids: string[] = [];
    for (const kind of kinds) ids.push((await mailer.send(email(kind), `${kind}:${ids.length}`)).providerId);
    const files = readdirSync(join(dataDir, 'mail')).sort();
    expect(files).toEqual(ids);
    expect(files.map((f) => f.replace(/^.*-(\w+)\.eml$/, '$1'))).toEqual([...kinds]);
    const raw = readFileSync(join(dataDir, 'mail', files[1]!), 'utf8');
    expect(headersOf(raw)).toMatch(/^X-Message-Kind: reminder$/m);
    expect(headersOf(raw)).toMatch(/^To: ann@example.com$/m);
    expect(raw).toContain('Content-Type: text/html');
  });

  it('uses SMTP when SMTP_URL is set', () => {
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40), SMTP_URL: 'smtp://u:p@127.0.0.1:2525', MAIL_FROM: 'hello@rm.example.com' });
    expect(config.mail).toEqual({ smtpUrl: 'smtp://u:p@127.0.0.1:2525', from: 'hello@rm.example.com' });
    expect(createMailer(config.mail, dataDir)).toBeInstanceOf(SmtpMailer);
  });
});

describe('mail and SMS configuration', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), PAYMENTS_PROVIDER: 'fake', ALLOW_FAKE_PAYMENTS: 'true', DATA_DIR: '/tmp/rm-unused' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
  };

  it('production refuses to start without SMTP_URL, and starts with one', () => {
    expect(problems(production)).toContain('SMTP_URL is required when NODE_ENV=production');
    expect(problems({ ...production, SMTP_URL: 'smtp://u:p@mail.example.com:587' })).toBe('');
    expect(problems({ ...production, SMTP_URL: 'http://mail.example.com' })).toContain('SMTP_URL must be an smtp://');
  });

  it('SMS: fake by default outside production, off in production, twilio needs its three settings', () => {
    expect(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) }).sms.provider).toBe('fake');
    expect(loadConfig({ ...production, SMTP_URL: 'smtp://h:25' }).sms.provider).toBe('off');
    const message = problems({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), SMS_PROVIDER: 'twilio', TWILIO_FROM: '+13105550100' });
    expect(message).toContain('TWILIO_ACCOUNT_SID is required');
    expect(message).toContain('TWILIO_AUTH_TOKEN is required');
    expect(message).not.toContain('TWILIO_FROM is required');
    expect(problems({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), SMS_PROVIDER: 'pigeon' })).toContain('SMS_PROVIDER');
  });
});

describe('SMS transports', () => {
  let dataDir: string;
  let twilio: Server;
  let port: number;
  let answer: (req: IncomingMessage, body: string) => { status: number; body: unknown } | undefined;
  const requests: { url: string; auth: string; body: URLSearchParams }[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rm-sms-'));
    twilio = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ url: req.url!, auth: req.headers.authorization ?? '', body: new URLSearchParams(body) });
        const reply = answer(req, body);
        if (!reply) return; // never answers: a time-out
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => twilio.listen(0, '127.0.0.1', resolve));
    port = (twilio.address() as AddressInfo).port;
  });
  afterEach(() => {
    requests.length = 0;
  });
  afterAll(async () => {
    twilio.closeAllConnections();
    await new Promise((resolve) => twilio.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sender = (timeoutMs = 2_000) => new TwilioSms({ accountSid: 'AC123', authToken: 'tok', from: '+13105550100', apiUrl: `http://127.0.0.1:${port}`, timeoutMs });

  it("Twilio: POSTs the Messages resource with Basic auth and answers Twilio's sid", async () => {
    answer = () => ({ status: 201, body: { sid: 'SM0001', status: 'queued' } });
    expect(await sender().send({ to: '+13105550123', body: 'Hello & bye' }, 'k1')).toEqual({ providerId: 'SM0001' });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(requests[0]!.auth).toBe(`Basic ${Buffer.from('AC123:tok').toString('base64')}`);
    expect(Object.fromEntries(requests[0]!.body)).toEqual({ To: '+13105550123', From: '+13105550100', Body: 'Hello & bye' });
  });

  it("Twilio: a refusal names the status and Twilio's error; a silent server times out", async () => {
    answer = () => ({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number." } });
    const refused = await sender().send({ to: '+1', body: 'x' }, 'k2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TwilioError);
    expect(refused).toMatchObject({ status: 400, twilioCode: 21211 });
    expect((refused as Error).message).toContain('HTTP 400, error 21211');
    answer = () => undefined;
    await expect(sender(200).send({ to: '+13105550123', body: 'x' }, 'k3')).rejects.toThrow(/did not answer within 200 ms/);
  });

  it('fake: records the text in DATA_DIR/sms.log instead of sending it; off sends nothing', async () => {
    const fake = createSmsSender({ provider: 'fake' }, dataDir);
    expect(fake).toBeInstanceOf(FakeSms);
    await fake.send({ to: '+13105550123', body: 'Reminder' }, 'reminder:b1:1440');
    const lines = readFileSync(join(dataDir, 'sms.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { to: string; body: string });
    expect(lines).toMatchObject([{ to: '+13105550123', body: 'Reminder' }]);
    expect((fake as FakeSms).sent).toHaveLength(1);
    const off = createSmsSender({ provider: 'off' }, dataDir);
    expect(off).toBeInstanceOf(OffSms);
    await expect(off.send({ to: '+13105550123', body: 'x' }, 'k')).rejects.toThrow(/SMS is off/);
  });
});
