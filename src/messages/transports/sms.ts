import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SmsConfig } from '../../config.js';
import type { RenderedSms, SmsSender } from '../types.js';

/** A refusal or failure from Twilio, with its HTTP status and Twilio's error code when it gave one. */
export class TwilioError extends Error {
  constructor(message: string, readonly status?: number, readonly twilioCode?: number) {
    super(message);
    this.name = 'TwilioError';
  }
}

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  /** https://api.twilio.com, or a stand-in in tests. */
  apiUrl: string;
  timeoutMs?: number;
}

/** Twilio's REST API (Messages resource) over fetch. Twilio has no idempotency key for sends: the worker's own key guards repeats. */
export class TwilioSms implements SmsSender {
  readonly name = 'twilio' as const;
  constructor(private readonly options: TwilioOptions) {}

  async send(sms: RenderedSms, _idempotencyKey?: string): Promise<{ providerId: string }> {
    const { accountSid, authToken, from, apiUrl, timeoutMs = 10_000 } = this.options;
    const url = `${apiUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: sms.to, From: from, Body: sms.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new TwilioError(timedOut ? `Twilio did not answer within ${timeoutMs} ms` : `Twilio could not be reached: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
    if (!res.ok || typeof body.sid !== 'string') {
      throw new TwilioError(`Twilio refused the message (HTTP ${res.status}${body.code ? `, error ${body.code}` : ''}): ${body.message ?? 'no message'}`, res.status, body.code);
    }
    return { providerId: body.sid };
  }
}

/** Records texts instead of sending them: one JSON line each in `logFile`, and in `sent` for tests. */
export class FakeSms implements SmsSender {
  readonly name = 'fake' as const;
  readonly sent: (RenderedSms & { providerId: string; at: string })[] = [];
  private count = 0;
  constructor(readonly logFile: string) {}

  async send(sms: RenderedSms, idempotencyKey: string): Promise<{ providerId: string }> {
    this.count += 1;
    const record = { ...sms, providerId: `fake-${idempotencyKey}-${this.count}`, at: new Date().toISOString() };
    await mkdir(dirname(this.logFile), { recursive: true });
    await appendFile(this.logFile, `${JSON.stringify(record)}\n`);
    this.sent.push(record);
    return { providerId: record.providerId };
  }
}

/** SMS_PROVIDER=off: no texts. The delivery rules never choose SMS then; a send anyway is a bug, so it throws. */
export class OffSms implements SmsSender {
  readonly name = 'off' as const;
  async send(): Promise<{ providerId: string }> {
    throw new Error('SMS is off (SMS_PROVIDER=off): no text may be sent');
  }
}

export function createSmsSender(sms: SmsConfig, dataDir: string): SmsSender {
  if (sms.provider === 'twilio' && sms.twilio) return new TwilioSms(sms.twilio);
  if (sms.provider === 'fake') return new FakeSms(join(dataDir, 'sms.log'));
  return new OffSms();
}
