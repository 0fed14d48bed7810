/**
 * `npm run bench:api` (issue 3, section 8): throughput and p50/p99 latency of `GET /api/me` and
 * `POST /api/auth/login` through a real HTTP server loaded by autocannon, on PGlite and on
 * PostgreSQL, beside the raw database rate of the same work straight through the driver (same
 * role switch, same statements, same concurrency) measured in the same run, and their ratio.
 *
 * Environment: BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (10),
 * BENCH_POOL_SIZE (10), and BENCH_DATABASE_URL or DATABASE_URL for the PostgreSQL server
 * (default postgres://postgres@127.0.0.1:5432/postgres). A scratch database rm_bench_<pid> is
 * created on that server, migrated, and dropped at the end; the server is skipped, with a note,
 * when it cannot be reached.
 */
import { availableParallelism, loadavg } from 'node:os';
import { buildApp } from '../src/app.js';
import { verifyPassword } from '../src/auth/passwords.js';
import * as authRepo from '../src/auth/repository.js';
import { AccessTokens, newRefreshToken, newSessionId } from '../src/auth/tokens.js';
import { loadConfig, type Config } from '../src/config.js';
import { SERVICE_ROLE, type Caller, type Database, type Engine } from '../src/db/index.js';
import {
  aborting,
  benchSettings,
  cleanUp,
  formatMs,
  formatPercent,
  formatRate,
  guardProcess,
  listen,
  onEachEngine,
  printTable,
  request,
  runAutocannon,
  runLoop,
  type BenchSettings,
  type Measurement,
} from './lib.js';

/** GET /api/me must reach this share of the raw database rate on PostgreSQL. */
const TARGET = 0.5;
const PASSWORD = 'correct horse battery staple';

const settings = benchSettings();

function benchConfig(): Config {
  return loadConfig({
    NODE_ENV: 'development',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
    LOG_LEVEL: 'silent',
    // The highest the configuration accepts: the benchmark must never be rate limited.
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    HOST: '127.0.0.1',
    PORT: '0',
  });
}

interface Row {
  endpoint: string;
  api: Measurement;
  raw: Measurement;
}

interface EngineResult {
  engine: Engine;
  label: string;
  rows: Row[];
}

async function benchEngine(engine: Engine, label: string, db: Database, s: BenchSettings): Promise<EngineResult> {
  const config = benchConfig();
  const app = await buildApp({ config, db, logger: false });
  const server = await listen(app);
  try {
    // A customer, signed up through the API (the signup trigger makes the profile).
    const email = `bench-${process.pid}-${Date.now().toString(36)}@example.com`;
    const signup = await request(server.url, 'POST', '/api/auth/signup', {
      body: { email, password: PASSWORD, full_name: 'Bench Customer', phone: '+1 555 0100' },
    });
    if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
    const session = signup.body as { access_token: string; user: { id: string; email: string } };
    const token = session.access_token;

    // The claims exactly as the API hands them to the database (the verified token payload).
    const claims = await new AccessTokens({ secret: config.jwtSecret, accessTokenTtl: config.accessTokenTtl }).verify(token);
    if (!claims) throw new Error('the access token from signup does not verify');
    const caller: Caller = { role: 'authenticated', claims };

    // --- GET /api/me ------------------------------------------------------------------------
    // Raw: the one database call ProfileService.me makes (api.me: role, claims and the read in one statement).
    const rawMe = async () => {
      const profile = await db.call<{ id: string }>(caller, 'api.me');
      if (!profile) throw new Error('profile not visible to its owner');
      return profile;
    };
    const check = await request(server.url, 'GET', '/api/me', { headers: { authorization: `Bearer ${token}` } });
    const direct = await rawMe();
    if (check.status !== 200 || (check.body as { id?: string }).id !== direct.id) {
      throw new Error(`GET /api/me sanity check failed: ${check.status} ${JSON.stringify(check.body)}`);
    }

    process.stdout.write(`  GET /api/me: API…`);
    const meApi = await runAutocannon({
      url: server.url,
      method: 'GET',
      path: '/api/me',
      headers: { authorization: `Bearer ${token}` },
      connections: s.connections,
      seconds: s.seconds,
      warmupSeconds: s.warmupSeconds,
    });
    process.stdout.write(` raw…`);
    const meRaw = await runLoop({ op: rawMe, concurrency: s.connections, seconds: s.seconds, warmupSeconds: s.warmupSeconds });
    process.stdout.write(` done\n`);

    // --- POST /api/auth/login ---------------------------------------------------------------
    // Raw: the database work and the password check of a login, as the route and AuthService do it:
    // the per-IP and per-email rate-limit hits (service_role), the user lookup (service_role), the
    // scrypt verify, then record_sign_in and the refresh-token insert (service_role). Not included:
    // signing the access token, JSON, HTTP.
    const limitKeys = [`ip:127.0.0.1:login`, `email:${email}:login`];
    const rawLogin = async () => {
      await db.asCaller(SERVICE_ROLE, async (tx) => {
        for (const key of limitKeys) await authRepo.hitRateLimit(tx, key, 60_000);
      });
      const user = await db.asCaller(SERVICE_ROLE, (tx) => authRepo.findUserByEmail(tx, email));
      if (!user || !(await verifyPassword(PASSWORD, user.encrypted_password))) throw new Error('login refused');
      await db.asCaller(SERVICE_ROLE, async (tx) => {
        await authRepo.recordSignIn(tx, user.id);
        await authRepo.insertRefreshToken(tx, {
          hash: newRefreshToken().hash,
          familyId: newSessionId(),
          userId: user.id,
          ttlSeconds: config.refreshTokenTtl,
        });
      });
    };
    const login = await request(server.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
    if (login.status !== 200) throw new Error(`login sanity check failed: ${login.status} ${JSON.stringify(login.body)}`);
    await rawLogin();

    process.stdout.write(`  POST /api/auth/login: API…`);
    const loginApi = await runAutocannon({
      url: server.url,
      method: 'POST',
      path: '/api/auth/login',
      body: { email, password: PASSWORD },
      connections: s.connections,
      seconds: s.seconds,
      warmupSeconds: s.warmupSeconds,
    });
    process.stdout.write(` raw…`);
    const loginRaw = await runLoop({ op: rawLogin, concurrency: s.connections, seconds: s.seconds, warmupSeconds: s.warmupSeconds });
    process.stdout.write(` done\n`);

    return {
      engine,
      label,
      rows: [
        { endpoint: 'GET /api/me', api: meApi, raw: meRaw },
        { endpoint: 'POST /api/auth/login', api: loginApi, raw: loginRaw },
      ],
    };
  } finally {
    await server.close();
  }
}

function report(result: EngineResult): void {
  console.log(`\n${result.label}`);
  printTable(
    ['endpoint', 'API req/s', 'p50 ms', 'p99 ms', 'raw ops/s', 'raw p50 ms', 'raw p99 ms', 'API/raw'],
    result.rows.map(({ endpoint, api, raw }) => [
      endpoint,
      formatRate(api.rate),
      formatMs(api.p50),
      formatMs(api.p99),
      formatRate(raw.rate),
      formatMs(raw.p50),
      formatMs(raw.p99),
      formatPercent(api.rate / raw.rate),
    ]),
  );
  for (const { endpoint, api, raw } of result.rows) {
    if (Math.min(api.ok, raw.ok) < 50) {
      console.log(`  ~ ${endpoint}: only ${api.ok} API and ${raw.ok} raw completions in the run: rough figures (raise BENCH_SECONDS)`);
    }
    if (api.failed > 0) console.log(`  ! ${endpoint} API: ${api.failed} failed requests (${api.failures})`);
    if (raw.failed > 0) console.log(`  ! ${endpoint} raw: ${raw.failures}`);
  }
}

async function main(): Promise<number> {
  // Four measured runs and four warm-ups per engine, plus set-up, migrations and drains.
  const perEngine = 4 * (settings.seconds + settings.warmupSeconds) + 120;
  guardProcess(2 * perEngine + 30);
  const cpus = availableParallelism();
  const loadBefore = loadavg()[0]!;
  console.log(
    `bench:api: ${settings.connections} connections / concurrent raw loops, ${settings.seconds} s per run ` +
      `after ${settings.warmupSeconds} s warm-up, PostgreSQL pool ${settings.poolSize}; ` +
      `client, server and raw loops in one Node ${process.version} process; ` +
      `${cpus} CPUs, load average ${loadBefore.toFixed(1)}`,
  );

  const results = await onEachEngine(
    { prefix: 'rm_bench', poolSize: settings.poolSize },
    (engine, label, db) => benchEngine(engine, label, db, settings),
    report,
  );

  let failed = false;
  for (const result of results) {
    for (const row of result.rows) if (row.api.failed > 0 || row.raw.failed > 0) failed = true;
  }

  console.log('');
  const pg = results.find((r) => r.engine === 'postgres');
  const me = pg?.rows.find((r) => r.endpoint === 'GET /api/me');
  if (me) {
    const ratio = me.api.rate / me.raw.rate;
    console.log(
      `Target: GET /api/me at least ${formatPercent(TARGET)} of the raw rate on PostgreSQL: ` +
        `${ratio >= TARGET ? 'met' : 'NOT met'} (${formatPercent(ratio)}: ${formatRate(me.api.rate)} req/s vs ${formatRate(me.raw.rate)} ops/s)`,
    );
  } else {
    console.log('Target: GET /api/me at least 50% of the raw rate on PostgreSQL: not measured (no PostgreSQL)');
  }
  // Only the average before the run says anything about other work (afterwards it counts this run).
  if (loadBefore > cpus) {
    console.log(
      `Note: the load average was ${loadBefore.toFixed(1)} on ${cpus} CPUs at the start: if other work was running, ` +
        'the rates and the ratios are skewed (the single-threaded API loses most); compare runs on an idle machine.',
    );
  }
  if (failed) console.log('Some requests or raw operations failed (see above): the figures are not valid.');
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  // After SIGINT/SIGTERM the clean-up closes what the run was using: its errors are expected.
  if (!aborting()) console.error(`\nbench:api failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode ||= 1;
} finally {
  await cleanUp();
}
