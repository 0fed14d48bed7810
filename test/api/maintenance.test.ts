import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ROLE } from '../../src/db/index.js';
import { pruneSessions } from '../../src/auth/repository.js';
import { engines } from '../helpers/db.js';
import { signup, startApp, type TestApp } from '../helpers/app.js';

describe.each(engines)('session pruning on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(engine);
  });
  afterAll(() => t?.close());

  it('deletes only ended rate-limit windows and refresh tokens past their expiry', async () => {
    const user = await signup(t.app); // one live refresh token, and live rate-limit windows
    await t.db.query(
      `insert into app_private.rate_limits (key, window_ends, hits) values ('ip:old:login', now() - interval '1 hour', 3)`,
    );
    await t.db.query(
      `insert into app_private.refresh_tokens (token_hash, family_id, user_id, expires_at)
       values ('old-hash', gen_random_uuid(), $1, now() - interval '2 days')`,
      [user.id],
    );
    const pruned = await t.db.asCaller(SERVICE_ROLE, (tx) => pruneSessions(tx));
    expect(pruned).toEqual({ rateLimits: 1, refreshTokens: 1 });
    const left = await t.db.query<{ n: number }>('select count(*)::int as n from app_private.refresh_tokens where user_id = $1', [user.id]);
    expect(left.rows[0]!.n).toBe(1);
    const refresh = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: user.refreshToken } });
    expect(refresh.statusCode).toBe(200);
  });
});
