/**
 * Two real server processes (`recovery serve`) on one PostgreSQL database: capacity holds across
 * processes, tokens are stateless, refresh-token rotation is shared, and SIGTERM shuts down cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAdmin } from '../../src/admins/repository.js';
import { ADDRESS, futureDate, TEST_SECRET, uniqueEmail } from '../helpers/app.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING = /Recovery Machine API listening on (http:\/\/[^\s]+)/;
// `recovery serve` from the TypeScript sources (bin/recovery.js runs the build in dist/). src/cli.ts only
// exports main(), so `node --import tsx src/cli.ts serve` would load it and exit without serving.
// If this test process dies without its afterAll (killed run, crashed worker), the server stops
// itself (SIGTERM, the normal shutdown) instead of living on as an orphan.
const serveScript = (parentPid: number) => `
  import { main } from './src/cli.ts';
  setInterval(() => {
    try { process.kill(${parentPid}, 0); } catch { process.kill(process.pid, 'SIGTERM'); }
  }, 1000).unref();
  await main(['node', 'recovery', 'serve']);`;
const PASSWORD = 'correct horse battery';

/** Every server process this file started (started or not), so afterAll can stop them all. */
const children: { child: ChildProcess; exited: Promise<unknown> }[] = [];

interface Server {
  child: ChildProcess;
  url: string;
  /** Everything the process printed, for failure messages. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `recovery serve` on a free port and resolves once it prints its address (or fails). */
function startServer(name: string, databaseUrl: string): Promise<Server> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'warn',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    DATABASE_POOL_SIZE: '10',
    DATA_DIR: '/tmp/rm-test-unused',
  };
  delete env.DATABASE_APP_URL;
  delete env.PUBLIC_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serveScript(process.pid)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  children.push({ child, exited });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

interface Reply {
  status: number;
  body: any;
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

interface Account {
  id: string;
  token: string;
  refreshToken: string;
}

async function signUp(base: string, email = uniqueEmail('mp')): Promise<Account> {
  const res = await call(base, 'POST', '/api/auth/signup', { email, password: PASSWORD });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, token: res.body.access_token, refreshToken: res.body.refresh_token };
}

describe.runIf(!!process.env.TEST_DATABASE_URL)('two server processes on one PostgreSQL', () => {
  let database: TestDatabase;
  const servers: Server[] = [];
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    const started = await Promise.allSettled([startServer('server A', database.url!), startServer('server B', database.url!)]);
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [a, b] = servers as [Server, Server];
  }, 60_000);

  afterAll(async () => {
    for (const { child } of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await Promise.all(children.map((c) => c.exited));
    await database?.drop();
  }, 30_000);

  it('listens on two different ports', () => {
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.url).not.toBe(b.url);
  });

  it('accepts a token issued by one process on the other (stateless access tokens)', async () => {
    const user = await signUp(a.url);
    const me = await call(b.url, 'GET', '/api/me', undefined, user.token);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it('refuses on B a refresh token rotated on A past the reuse interval, and accepts it within', async () => {
    const user = await signUp(a.url);
    const rotated = await call(a.url, 'POST', '/api/auth/refresh', { refresh_token: user.refreshToken });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(user.refreshToken);

    // Within the reuse interval (10 s by default) B knows A's rotation and answers a new sibling.
    const again = await call(b.url, 'POST', '/api/auth/refresh', { refresh_token: user.refreshToken });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.refresh_token).not.toBe(rotated.body.refresh_token);

    // Past it, the same reuse is theft: refused, and the family revoked.
    await database.db.query("update app_private.refresh_tokens set used_at = used_at - interval '1 minute' where user_id = $1 and used_at is not null", [user.id]);
    const reused = await call(b.url, 'POST', '/api/auth/refresh', { refresh_token: user.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('unauthorized');
    // Reuse revoked the whole family: the token A just issued is dead on both processes too.
    const after = await call(b.url, 'POST', '/api/auth/refresh', { refresh_token: rotated.body.refresh_token });
    expect(after.status).toBe(401);
    expect((await call(a.url, 'POST', '/api/auth/refresh', { refresh_token: again.body.refresh_token })).status).toBe(401);
  });

  it('never overbooks: 100 concurrent bookings across both processes for 7 places give exactly 7', async () => {
    const adminEmail = uniqueEmail('admin');
    await upsertAdmin(database.db, adminEmail, 'admin');
    const admin = await signUp(a.url, adminEmail);
    const customers = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const base = i % 2 === 0 ? a.url : b.url;
        const user = await signUp(base);
        const patched = await call(base, 'PATCH', '/api/me', { address: ADDRESS }, user.token);
        expect(patched.status, JSON.stringify(patched.body)).toBe(200);
        return user;
      }),
    );

    const created = await call(b.url, 'POST', '/api/admin/slots', { date: futureDate(20), start_time: '10:00', end_time: '11:00', max_bookings: 7 }, admin.token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const slotId: string = created.body.created[0].id;

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(i % 2 === 0 ? a.url : b.url, 'POST', '/api/bookings', { slot_id: slotId, service_type: 'cold_plunge' }, customers[i % customers.length]!.token),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500), JSON.stringify(results.filter((r) => r.status >= 500))).toEqual([]);
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(7);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(['slot_full', 'already_booked']).toContain(r.body.error.code);
    }
    // Seven different customers hold the seven places.
    expect(new Set(won.map((r) => r.body.booking.user_id)).size).toBe(7);

    const { rows } = await database.db.query<{ current_bookings: number; live: number }>(
      `select s.current_bookings,
              (select count(*)::int from public.bookings b where b.slot_id = s.id and b.status <> 'cancelled') as live
         from public.availability_slots s where s.id = $1`,
      [slotId],
    );
    expect(rows[0]).toEqual({ current_bookings: 7, live: 7 });
    // Both processes agree on what is left.
    for (const server of [a, b]) {
      const date = created.body.created[0].date as string;
      const open = await call(server.url, 'GET', `/api/availability?from=${date}&to=${date}`);
      expect(open.body.slots.find((s: { id: string }) => s.id === slotId)).toBeUndefined();
    }
  }, 60_000);

  it('shuts down gracefully on SIGTERM: both exit 0 within 10 s', async () => {
    const started = Date.now();
    for (const server of [a, b]) server.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
    const outcomes = await Promise.all([a, b].map((s) => Promise.race([s.exited, timeout])));
    expect(outcomes, `${a.output()}\n${b.output()}`).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
