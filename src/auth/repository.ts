import type { Queryable } from '../db/index.js';

// All of these run as service_role, from the auth service's named privileged operations.

export interface AuthUser {
  id: string;
  email: string;
}

export async function createUser(
  tx: Queryable,
  user: { email: string; passwordHash: string; meta: Record<string, unknown> },
): Promise<AuthUser> {
  const { rows } = await tx.query<AuthUser>('select id, email from app_private.create_auth_user($1, $2, $3)', [
    user.email,
    user.passwordHash,
    JSON.stringify(user.meta),
  ]);
  return rows[0]!;
}

export async function findUserByEmail(tx: Queryable, email: string): Promise<(AuthUser & { encrypted_password: string | null }) | undefined> {
  const { rows } = await tx.query<AuthUser & { encrypted_password: string | null }>(
    'select id, email, encrypted_password from app_private.auth_user_by_email($1)',
    [email],
  );
  return rows[0];
}

export async function findUserById(tx: Queryable, id: string): Promise<AuthUser | undefined> {
  const { rows } = await tx.query<AuthUser>('select id, email from app_private.auth_user_by_id($1)', [id]);
  return rows[0];
}

export async function recordSignIn(tx: Queryable, userId: string): Promise<void> {
  await tx.query('select app_private.record_sign_in($1)', [userId]);
}

export async function referralCodeExists(tx: Queryable, code: string): Promise<boolean> {
  const { rows } = await tx.query('select 1 from public.profiles where referral_code = upper($1)', [code]);
  return rows.length > 0;
}

export interface StoredRefreshToken {
  id: string;
  family_id: string;
  user_id: string;
  expired: boolean;
  used_at: Date | null;
  /** Used (rotated) at most the reuse interval ago. */
  within_reuse_interval: boolean;
  revoked_at: Date | null;
}

export async function insertRefreshToken(
  tx: Queryable,
  token: { hash: string; familyId: string; userId: string; ttlSeconds: number },
): Promise<void> {
  await tx.query(
    `insert into app_private.refresh_tokens (token_hash, family_id, user_id, expires_at)
     values ($1, $2, $3, now() + make_interval(secs => $4))`,
    [token.hash, token.familyId, token.userId, token.ttlSeconds],
  );
}

/** Locks the token row so two refreshes with the same token cannot both rotate it. */
export async function lockRefreshToken(tx: Queryable, hash: string, reuseIntervalSeconds: number): Promise<StoredRefreshToken | undefined> {
  const { rows } = await tx.query<StoredRefreshToken>(
    `select id, family_id, user_id, expires_at <= now() as expired, used_at, revoked_at,
            coalesce(used_at > now() - make_interval(secs => $2), false) as within_reuse_interval
       from app_private.refresh_tokens where token_hash = $1 for update`,
    [hash, reuseIntervalSeconds],
  );
  return rows[0];
}

export async function markRefreshTokenUsed(tx: Queryable, id: string): Promise<void> {
  await tx.query('update app_private.refresh_tokens set used_at = now() where id = $1', [id]);
}

export async function revokeFamily(tx: Queryable, familyId: string): Promise<number> {
  const { rowCount } = await tx.query(
    'update app_private.refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null',
    [familyId],
  );
  return rowCount;
}

/**
 * Counts one hit against a fixed window and returns the count in the current window and the
 * milliseconds until it ends. Shared by every API process through the database.
 */
export async function hitRateLimit(tx: Queryable, key: string, windowMs: number): Promise<{ hits: number; resetMs: number }> {
  const { rows } = await tx.query<{ hits: number; reset_ms: number }>(
    `insert into app_private.rate_limits as r (key, window_ends, hits)
     values ($1, now() + make_interval(secs => $2::float8 / 1000), 1)
     on conflict (key) do update set
       hits = case when r.window_ends <= now() then 1 else r.hits + 1 end,
       window_ends = case when r.window_ends <= now() then excluded.window_ends else r.window_ends end
     returning hits, ceil(extract(epoch from (window_ends - now())) * 1000)::int as reset_ms`,
    [key, windowMs],
  );
  const row = rows[0]!;
  return { hits: row.hits, resetMs: Math.max(0, row.reset_ms) };
}

/** Drops rate-limit windows that ended and refresh tokens past their expiry (a day's grace for reuse detection). */
export async function pruneSessions(tx: Queryable): Promise<{ rateLimits: number; refreshTokens: number }> {
  const limits = await tx.query("delete from app_private.rate_limits where window_ends < now() - interval '1 minute'");
  const tokens = await tx.query("delete from app_private.refresh_tokens where expires_at < now() - interval '1 day'");
  return { rateLimits: limits.rowCount, refreshTokens: tokens.rowCount };
}
