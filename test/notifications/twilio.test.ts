import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature, verifyTwilioSignature } from '../../src/messages/transports/twilio-signature.js';
import { replyKeyword } from '../../src/notifications/twilio-routes.js';
import { bearer, errorCode, signup, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';

describe("Twilio's request signature", () => {
  // The example of Twilio's own SDK tests (twilio-php RequestValidatorTest): auth token 12345.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };

  it("matches Twilio's published example, and nothing altered", () => {
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(verifyTwilioSignature('12345', url, params, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(true);
    expect(verifyTwilioSignature('12345', url, { ...params, Digits: '9999' }, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(false);
    expect(verifyTwilioSignature('12345', `${url}&x=1`, params, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(false);
    expect(verifyTwilioSignature('54321', url, params, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(false);
    expect(verifyTwilioSignature('12345', url, params, undefined)).toBe(false);
  });

  it('reads STOP and START words and Twilio’s OptOutType', () => {
    for (const body of ['STOP', ' stop ', 'Stop All', 'unsubscribe', 'CANCEL', 'end', 'quit']) expect(replyKeyword({ Body: body }), body).toBe('stop');
    for (const body of ['START', 'yes', 'Unstop']) expect(replyKeyword({ Body: body }), body).toBe('start');
    for (const body of ['stop texting me at night please', 'hello', '']) expect(replyKeyword({ Body: body }), body).toBeUndefined();
    expect(replyKeyword({ Body: 'Arrêt', OptOutType: 'STOP' })).toBe('stop');
  });
});

describe.each(engines)('POST /api/webhooks/twilio/sms on %s', (engine) => {
  const AUTH_TOKEN = 'twilio-test-auth-token';
  const PUBLIC_URL = 'https://rm.example.com';
  let t: TestApp;
  let ann: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine, { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: '+13105550100', PUBLIC_URL });
    ann = await signup(t.app, { phone: '310-555-0177' });
    const res = await t.app.inject({ method: 'PATCH', url: '/api/me/notifications', headers: bearer(ann.token), payload: { sms_opt_in: true } });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(() => t?.close());

  function reply(params: Record<string, string>, signature = twilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/api/webhooks/twilio/sms`, params)) {
    return t.app.inject({
      method: 'POST',
      url: '/api/webhooks/twilio/sms',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      payload: new URLSearchParams(params).toString(),
    });
  }
  const stopped = async () => (await t.app.inject({ method: 'GET', url: '/api/me/notifications', headers: bearer(ann.token) })).json().sms_stopped as boolean;
  const mayText = () => t.services.notifications.mayDeliver({ userId: ann.id, kind: 'reminder', channel: 'sms', to: '+13105550177' });

  it('STOP stops texts to that number, START resumes them; answers empty TwiML', async () => {
    expect(await mayText()).toBe(true);
    const stop = await reply({ MessageSid: 'SM1', AccountSid: 'AC123', From: '+13105550177', To: '+13105550100', Body: 'Stop' });
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.headers['content-type']).toMatch(/^text\/xml/);
    expect(stop.body).toContain('<Response></Response>');
    expect(await stopped()).toBe(true);
    expect(await mayText()).toBe(false);
    // Anything else changes nothing.
    expect((await reply({ MessageSid: 'SM2', From: '+13105550177', Body: 'thanks!' })).statusCode).toBe(200);
    expect(await stopped()).toBe(true);
    expect((await reply({ MessageSid: 'SM3', From: '+13105550177', Body: 'START' })).statusCode).toBe(200);
    expect(await stopped()).toBe(false);
    expect(await mayText()).toBe(true);
  });

  it('refuses a request without a valid signature (401), changing nothing', async () => {
    const params = { MessageSid: 'SM4', From: '+13105550177', Body: 'STOP' };
    for (const signature of ['', 'bm90LWEtc2lnbmF0dXJl', twilioSignature('another-token', `${PUBLIC_URL}/api/webhooks/twilio/sms`, params), twilioSignature(AUTH_TOKEN, 'https://evil.example.com/api/webhooks/twilio/sms', params)]) {
      const res = await reply(params, signature);
      expect(res.statusCode, signature).toBe(401);
      expect(errorCode(res)).toBe('invalid_signature');
    }
    expect(await stopped()).toBe(false);
  });
});

describe.each(engines)('without SMS_PROVIDER=twilio (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(engine);
  });
  afterAll(() => t?.close());

  it('has no Twilio webhook', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'From=%2B13105550177&Body=STOP' });
    expect(res.statusCode).toBe(404);
  });
});
