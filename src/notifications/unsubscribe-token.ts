import { createHmac } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { MessageKind } from '../messages/types.js';

/** The audience of unsubscribe tokens: a session token can never stand in for one, nor one for it. */
export const UNSUBSCRIBE_AUDIENCE = 'recovery-machine:unsubscribe';

/** Whom a List-Unsubscribe link speaks for: a customer (by id), or an address with no account (an invitee). */
export type UnsubscribeSubject = { userId: string; kind: MessageKind } | { email: string; kind: MessageKind };

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * An HS256 JWT (JWT_SECRET) naming the kind and the user or address. Signed synchronously, since
 * rendering is synchronous; jose verifies it. No expiry: the link in an old email keeps working
 * (it can only ever turn mail off).
 */
export function signUnsubscribeToken(secret: string, subject: UnsubscribeSubject): string {
  const claims = 'userId' in subject ? { sub: subject.userId, kind: subject.kind } : { email: subject.email.toLowerCase(), kind: subject.kind };
  const body = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify({ ...claims, aud: UNSUBSCRIBE_AUDIENCE, iat: Math.floor(Date.now() / 1000) }))}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** The subject of a valid token; undefined for a forged, altered or malformed one. */
export async function verifyUnsubscribeToken(secret: string, token: string): Promise<UnsubscribeSubject | undefined> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { audience: UNSUBSCRIBE_AUDIENCE, algorithms: ['HS256'] });
    const kind = payload.kind as MessageKind;
    if (typeof payload.kind !== 'string') return undefined;
    if (typeof payload.sub === 'string') return { userId: payload.sub, kind };
    if (typeof payload.email === 'string') return { email: payload.email, kind };
    return undefined;
  } catch {
    return undefined;
  }
}
