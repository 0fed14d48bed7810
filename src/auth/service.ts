import { SERVICE_ROLE, type Caller, type Database, type JwtClaims, type Queryable } from '../db/index.js';
import { AppError, conflict, unauthorized, unprocessable, validationFailed } from '../errors.js';
import { decoyHash, hashPassword, MAX_PASSWORD_BYTES, verifyPassword } from './passwords.js';
import * as repo from './repository.js';
import { AccessTokens, hashRefreshToken, newRefreshToken, newSessionId } from './tokens.js';

export interface Session {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  user: { id: string; email: string };
}

export interface SignupInput {
  email: string;
  password: string;
  full_name?: string;
  phone?: string;
  referral_code?: string;
}

const BAD_CREDENTIALS = 'Invalid email or password';

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Sign-up, sign-in and sessions. The only privileged (service_role) work here: creating the
 * auth user, reading a password hash, and the refresh-token and rate-limit tables.
 */
export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly tokens: AccessTokens,
    private readonly settings: { refreshTokenTtl: number; refreshTokenReuseInterval: number; rateLimitPerMinute: number },
  ) {}

  /** Deletes ended rate-limit windows and refresh tokens past their expiry (the upkeep schedule and the CLI). */
  pruneSessions(): Promise<{ rateLimits: number; refreshTokens: number }> {
    return this.db.asCaller(SERVICE_ROLE, (tx) => repo.pruneSessions(tx));
  }

  async signup(input: SignupInput): Promise<Session> {
    const email = normalizeEmail(input.email);
    if (Buffer.byteLength(input.password, 'utf8') > MAX_PASSWORD_BYTES) {
      throw validationFailed(`Passwords can be at most ${MAX_PASSWORD_BYTES} bytes long`, { field: 'password' });
    }
    const passwordHash = await hashPassword(input.password);
    const meta: Record<string, unknown> = {};
    if (input.full_name?.trim()) meta.full_name = input.full_name.trim();
    if (input.phone?.trim()) meta.phone = input.phone.trim();
    if (input.referral_code?.trim()) meta.referral_code = input.referral_code.trim().toUpperCase();
    return this.db.asCaller(SERVICE_ROLE, async (tx) => {
      if (await repo.findUserByEmail(tx, email)) throw conflict('That email is already registered', { field: 'email' });
      if (typeof meta.referral_code === 'string' && !(await repo.referralCodeExists(tx, meta.referral_code))) {
        throw unprocessable('That referral code does not exist', { field: 'referral_code' }, 'invalid_referral_code');
      }
      const user = await repo.createUser(tx, { email, passwordHash, meta });
      return this.startSession(tx, user);
    });
  }

  async login(emailInput: string, password: string): Promise<Session> {
    const email = normalizeEmail(emailInput);
    const user = await this.db.asCaller(SERVICE_ROLE, (tx) => repo.findUserByEmail(tx, email));
    // Same work whether or not the email exists, so timing does not reveal accounts.
    const ok = await verifyPassword(password, user?.encrypted_password ?? (await decoyHash()));
    if (!user || !ok) throw unauthorized(BAD_CREDENTIALS);
    return this.db.asCaller(SERVICE_ROLE, async (tx) => {
      await repo.recordSignIn(tx, user.id);
      return this.startSession(tx, user);
    });
  }

  /**
   * Rotates a refresh token. A token used again within the reuse interval of its rotation gets a
   * new session in the same family (the first answer may never have arrived); used again later,
   * it revokes its whole family (it was stolen or leaked).
   */
  async refresh(refreshToken: string): Promise<Session> {
    const outcome = await this.db.asCaller(SERVICE_ROLE, async (tx) => {
      const stored = await repo.lockRefreshToken(tx, hashRefreshToken(refreshToken), this.settings.refreshTokenReuseInterval);
      if (!stored || stored.revoked_at || stored.expired) return 'invalid' as const;
      if (stored.used_at && !stored.within_reuse_interval) {
        await repo.revokeFamily(tx, stored.family_id);
        return 'reused' as const;
      }
      const user = await repo.findUserById(tx, stored.user_id);
      if (!user) return 'invalid' as const;
      if (!stored.used_at) await repo.markRefreshTokenUsed(tx, stored.id);
      return this.issue(tx, user, stored.family_id);
    });
    // The revocation above must commit, so the refusal is thrown only after the transaction.
    if (typeof outcome === 'string') throw unauthorized('Invalid refresh token');
    return outcome;
  }

  /** Ends the session the access token belongs to (its refresh-token family). */
  async logout(claims: JwtClaims): Promise<void> {
    if (typeof claims.session_id !== 'string') return;
    const familyId = claims.session_id;
    await this.db.asCaller(SERVICE_ROLE, (tx) => repo.revokeFamily(tx, familyId));
  }

  /**
   * The caller behind an Authorization header value: anon without one, undefined for a bad or
   * expired one (whether that matters is the route's call). `graceSeconds` accepts tokens that
   * expired at most that long ago.
   */
  async authenticate(header: string | undefined, graceSeconds = 0): Promise<Caller | undefined> {
    if (header === undefined || header === '') return { role: 'anon' };
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const claims = match ? await this.tokens.verify(match[1]!, graceSeconds) : undefined;
    return claims ? { role: 'authenticated', claims } : undefined;
  }

  /** Counts a hit for each key; over the per-minute limit → 429 with Retry-After. */
  async rateLimit(keys: string[]): Promise<void> {
    const windowMs = 60_000;
    const results = await this.db.asCaller(SERVICE_ROLE, async (tx) => {
      const out = [];
      for (const key of keys) out.push(await repo.hitRateLimit(tx, key, windowMs));
      return out;
    });
    const over = results.filter((r) => r.hits > this.settings.rateLimitPerMinute);
    if (over.length > 0) {
      const retryAfter = Math.max(1, Math.ceil(Math.max(...over.map((r) => r.resetMs)) / 1000));
      throw new AppError(429, 'rate_limited', 'Too many attempts; try again later', { retry_after: retryAfter }, {
        'retry-after': String(retryAfter),
      });
    }
  }

  private startSession(tx: Queryable, user: repo.AuthUser): Promise<Session> {
    return this.issue(tx, user, newSessionId());
  }

  private async issue(tx: Queryable, user: repo.AuthUser, familyId: string): Promise<Session> {
    const refresh = newRefreshToken();
    await repo.insertRefreshToken(tx, {
      hash: refresh.hash,
      familyId,
      userId: user.id,
      ttlSeconds: this.settings.refreshTokenTtl,
    });
    return {
      access_token: await this.tokens.sign(user, familyId),
      refresh_token: refresh.token,
      token_type: 'bearer',
      expires_in: this.tokens.ttl,
      user: { id: user.id, email: user.email },
    };
  }
}
