import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's request signature (X-Twilio-Signature): base64(HMAC-SHA1(auth token, the full URL
 * Twilio requested + every POST parameter's name and value, sorted by name)).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Constant-time check of a received signature. */
export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string>, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || header.length === 0 || header.length > 200) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
