import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import type { JwtClaims } from '../db/index.js';

export interface TokenSettings {
  /** HS256 key: signs the tokens we issue, and checks them and legacy Supabase tokens. */
  secret: string;
  accessTokenTtl: number;
  /** A Supabase project's JWKS (`<project>/auth/v1/.well-known/jwks.json`): its ES256/RS256 tokens are accepted too. */
  jwks?: { url: string; cooldownMs?: number; cacheMaxAgeMs?: number };
}

/** Verified tokens kept per process (the exact token bytes), until they expire. */
const CACHE_SIZE = 10_000;
/** The asymmetric algorithms Supabase signs with; HS256 is only ever checked against our secret. */
const JWKS_ALGORITHMS = ['ES256', 'RS256'];

let jose: Promise<typeof import('jose')> | undefined;
/** jose loads with the first token signed or checked, not at start-up. */
const loadJose = () => (jose ??= import('jose'));

/** Signs and checks Supabase-compatible access tokens (aud "authenticated"). */
export class AccessTokens {
  // A KeyObject made once: jose would otherwise import the raw secret on every verify.
  private readonly key: KeyObject;
  private readonly verified = new Map<string, JwtClaims>();
  private jwksKeys?: JWTVerifyGetKey;

  constructor(private readonly settings: TokenSettings) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }

  /** The JWKS's keys, chosen by kid and cached; an unknown kid refetches at most once per cooldown. */
  private jwks({ createRemoteJWKSet }: typeof import('jose')): JWTVerifyGetKey | undefined {
    const jwks = this.settings.jwks;
    if (!jwks || this.jwksKeys) return this.jwksKeys;
    this.jwksKeys = createRemoteJWKSet(new URL(jwks.url), {
      cooldownDuration: jwks.cooldownMs ?? 30_000,
      cacheMaxAge: jwks.cacheMaxAgeMs ?? 10 * 60_000,
      timeoutDuration: 5_000,
    });
    return this.jwksKeys;
  }

  get ttl(): number {
    return this.settings.accessTokenTtl;
  }

  async sign(user: { id: string; email: string }, sessionId: string): Promise<string> {
    const { SignJWT } = await loadJose();
    return new SignJWT({ email: user.email, role: 'authenticated', session_id: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setAudience('authenticated')
      .setIssuedAt()
      .setExpirationTime(`${this.settings.accessTokenTtl}s`)
      .sign(this.key);
  }

  /**
   * The claims of a valid token, or undefined for any forged, altered, expired or alg-none token.
   * `graceSeconds` accepts tokens that expired at most that long ago (sign-out only).
   */
  async verify(token: string, graceSeconds = 0): Promise<JwtClaims | undefined> {
    const known = this.verified.get(token);
    if (known && (known.exp ?? 0) * 1000 > Date.now()) return known;
    if (known) this.verified.delete(token);
    const j = await loadJose();
    const jwks = this.jwks(j);
    try {
      // The key follows the header's alg: HS256 only with our secret, ES256/RS256 only from the JWKS.
      const key: JWTVerifyGetKey = (header, input) => (header.alg === 'HS256' || !jwks ? this.key : jwks(header, input));
      const { payload } = await j.jwtVerify(token, key, {
        algorithms: jwks ? ['HS256', ...JWKS_ALGORITHMS] : ['HS256'],
        audience: 'authenticated',
        clockTolerance: graceSeconds,
      });
      if (typeof payload.sub !== 'string' || payload.role !== 'authenticated' || typeof payload.exp !== 'number') return undefined;
      if (payload.exp * 1000 <= Date.now()) return payload as JwtClaims; // accepted within the grace only; not cached
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, payload as JwtClaims);
      return payload as JwtClaims;
    } catch (err) {
      if (err instanceof j.errors.JOSEError || err instanceof TypeError) return undefined;
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
