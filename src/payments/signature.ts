import { createHmac, timingSafeEqual } from 'node:crypto';

/** Bolt's webhook signature: base64(HMAC-SHA256(raw body bytes, signing secret)). */
export function signBody(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * True when either header (the current one, or `-Pending` during a key rotation) is the body's
 * signature. Compared in constant time over the raw bytes received, never over re-serialized JSON.
 */
export function verifySignature(body: Buffer, secret: string, ...headers: (string | string[] | undefined)[]): boolean {
  const expected = createHmac('sha256', secret).update(body).digest();
  let ok = false;
  for (const header of headers) {
    if (typeof header !== 'string' || header.length === 0 || header.length > 200) continue;
    const given = Buffer.from(header, 'base64');
    // Evaluate every header (no early exit), each comparison constant-time.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
