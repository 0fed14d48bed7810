import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { JwtClaims } from '../db/index.js';

export interface TokenSettings {
  secret: string;
  accessTokenTtl: number;
}

/** Signs and checks Supabase-compatible access tokens (HS256, aud "authenticated"). */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(private readonly settings: TokenSettings) {
    this.key = new TextEncoder().encode(settings.secret);
  }

  get ttl(): number {
    return this.settings.accessTokenTtl;
  }

  sign(user: { id: string; email: string }, sessionId: string): Promise<string> {
    return new SignJWT({ email: user.email, role: 'authenticated', session_id: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setAudience('authenticated')
      .setIssuedAt()
      .setExpirationTime(`${this.settings.accessTokenTtl}s`)
      .sign(this.key);
  }

  /** The claims of a valid token, or undefined for any forged, altered, expired or alg-none token. */
  async verify(token: string): Promise<JwtClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: 'authenticated' });
      if (typeof payload.sub !== 'string' || payload.role !== 'authenticated') return undefined;
      return payload as JwtClaims;
    } catch (err) {
      if (err instanceof errors.JOSEError || err instanceof TypeError) return undefined;
      throw err;
    }
  }
}

/** An opaque refresh token and the hash that is stored instead of it. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export const newSessionId = (): string => randomUUID();
