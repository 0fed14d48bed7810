import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { JwtClaims } from '../db/index.js';

export interface TokenSettings {
  secret: string;
  accessTokenTtl: number;
}

/** Signs and checks Supabase-compatible access tokens (HS256, aud "authenticated"). */
/** Verified tokens kept per process (the exact token bytes), until they expire. */
const CACHE_SIZE = 10_000;

export class AccessTokens {
  // A KeyObject made once: jose would otherwise import the raw secret on every verify.
  private readonly key: KeyObject;
  private readonly verified = new Map<string, JwtClaims>();

  constructor(private readonly settings: TokenSettings) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
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
    const known = this.verified.get(token);
    if (known) {
      if ((known.exp ?? 0) * 1000 > Date.now()) return known;
      this.verified.delete(token);
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: 'authenticated' });
      if (typeof payload.sub !== 'string' || payload.role !== 'authenticated' || typeof payload.exp !== 'number') return undefined;
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, payload as JwtClaims);
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
