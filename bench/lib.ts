/**
 * Shared pieces of the benchmark scripts (bench/*.ts): settings from the environment, the
 * databases to run on (in-memory PGlite; a scratch PostgreSQL database), a real HTTP server on
 * 127.0.0.1, an autocannon runner, a raw-driver loop runner with the same concurrency, and a
 * plain-text table printer. Everything here is bounded in time and cleans up after itself.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
// autocannon ships no type declarations (and @types/autocannon is not installed); the few
// fields used here are typed by `Autocannon` below.
// @ts-ignore -- untyped CommonJS module
import autocannonUntyped from 'autocannon';
import pg from 'pg';
import type { Database, Engine } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import { openPglite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import type { App } from '../src/http/types.js';

// ---------------------------------------------------------------------------------------------
// Settings

/** A whole number from the environment, or the fallback; a bad value stops the run with its name. */
export function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export interface BenchSettings {
  /** Measured seconds per run (BENCH_SECONDS, default 5). */
  seconds: number;
  /** Warm-up seconds before each measured run (BENCH_WARMUP_SECONDS, default 1). */
  warmupSeconds: number;
  /** HTTP connections, and concurrent raw loops (BENCH_CONNECTIONS, default 10). */
  connections: number;
  /** PostgreSQL pool size, for the app and the raw loops alike (BENCH_POOL_SIZE, default 10). */
  poolSize: number;
}

export function benchSettings(): BenchSettings {
  return {
    seconds: envInt('BENCH_SECONDS', 5, 1, 600),
    warmupSeconds: envInt('BENCH_WARMUP_SECONDS', 1, 0, 60),
    connections: envInt('BENCH_CONNECTIONS', 10, 1, 1000),
    poolSize: envInt('BENCH_POOL_SIZE', 10, 1, 500),
  };
}

// ---------------------------------------------------------------------------------------------
// Clean-up on every exit path, and a hard time bound

const cleanups = new Set<() => Promise<void>>();

/** Runs `fn` at the end, or on SIGINT/SIGTERM/the watchdog; the returned function runs it now (once). */
export function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    cleanups.delete(once);
    await fn();
  };
  cleanups.add(once);
  return once;
}

async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    await fn().catch((err: unknown) => console.error(`clean-up failed: ${(err as Error).message}`));
  }
}

let guarded = false;
let stopping = false;

/** True once a signal or the watchdog has started the clean-up: stop work, print nothing more. */
export function aborting(): boolean {
  return stopping;
}

/**
 * Signals and a watchdog: whatever happens, the run ends within `maxSeconds`, and scratch
 * databases and servers are cleaned up first (given 15 s for it).
 */
export function guardProcess(maxSeconds: number): void {
  if (guarded) return;
  guarded = true;
  const abort = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${why}: cleaning up and stopping`);
    const hard = setTimeout(() => process.exit(code), 15_000);
    hard.unref();
    void runCleanups().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('SIGINT', 130));
  process.once('SIGTERM', () => abort('SIGTERM', 143));
  const watchdog = setTimeout(() => abort(`benchmark still running after ${maxSeconds} s`, 1), maxSeconds * 1000);
  watchdog.unref();
}

/** Runs the remaining clean-ups (call at the end of a script, in `finally`). */
export const cleanUp = runCleanups;

// ---------------------------------------------------------------------------------------------
// Databases

/** A migrated in-memory PGlite database. */
export async function openBenchPglite(): Promise<Database> {
  const db = await openPglite();
  onCleanup(() => db.close());
  await migrate(db);
  return db;
}

export interface ScratchPostgres {
  db: Database;
  /** URL of the scratch database. */
  url: string;
  name: string;
  /** Closes the pool and drops the scratch database. */
  drop(): Promise<void>;
}

/** The PostgreSQL server to benchmark on: BENCH_DATABASE_URL, DATABASE_URL, or a local default. */
export function benchPostgresUrl(): string {
  return process.env.BENCH_DATABASE_URL?.trim() || process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Credentials stripped, for printing. */
export function safeUrl(url: string): string {
  const u = new URL(url);
  u.password = u.password ? '***' : '';
  return u.toString();
}

async function maintenance<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: withDatabase(serverUrl, 'postgres'),
    connectionTimeoutMillis: 5_000,
    application_name: 'rm-bench-admin',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `<prefix>_<pid>` on the server of `serverUrl` (through its `postgres` maintenance
 * database), migrates it and opens a pool of `poolSize` on it. Returns the reason instead when the
 * server is unreachable or refuses, so the caller can skip PostgreSQL with a note.
 */
export async function openScratchPostgres(
  serverUrl: string,
  options: { prefix: string; poolSize: number },
): Promise<ScratchPostgres | { skipped: string }> {
  const name = `${options.prefix}_${process.pid}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad scratch database name ${name}`);
  try {
    await maintenance(serverUrl, async (admin) => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`create database ${name}`);
    });
  } catch (err) {
    return { skipped: `${safeUrl(serverUrl)} is not usable (${(err as Error).message || (err as Error).name})` };
  }
  const url = withDatabase(serverUrl, name);
  let db: Database | undefined;
  const drop = onCleanup(async () => {
    await db?.close().catch(() => {});
    await maintenance(serverUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
  });
  try {
    db = await openPostgres({ url, max: options.poolSize, applicationName: 'rm-bench' });
    await migrate(db);
  } catch (err) {
    await drop();
    throw err;
  }
  return { db, url, name, drop };
}

// ---------------------------------------------------------------------------------------------
// A real HTTP server

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Listens on an ephemeral port on 127.0.0.1 only. */
export async function listen(app: App): Promise<RunningServer> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const close = onCleanup(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close };
}

/** One request with fetch, for set-up (sign-up, sanity checks). */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body };
}

// ---------------------------------------------------------------------------------------------
// Measurements

export interface Measurement {
  /**
   * Successful operations (2xx responses, or raw ops that did not throw) per second, in steady
   * state: completions after the first one and up to the end of the run, over that time. The
   * same estimator for HTTP and raw runs, so the fill-up at the start (fresh connections, every
   * first request in flight at once) and the drain at the end do not bias slow endpoints.
   */
  rate: number;
  /** Latency percentiles of the successful operations, milliseconds. */
  p50: number;
  p99: number;
  /** Successful operations completed in the run. */
  ok: number;
  /** Failed operations: non-2xx responses, socket errors and timeouts, or raw ops that threw. */
  failed: number;
  seconds: number;
  /** A few words on the failures, if any. */
  failures?: string;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: Float64Array, p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = samples.slice().sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A growable list of numbers. */
class Samples {
  private data = new Float64Array(1 << 14);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Latencies and completion times of the successful operations of one run. */
class Recorder {
  private readonly latencies = new Samples();
  private readonly completions = new Samples();

  record(latencyMs: number, at = performance.now()): void {
    this.latencies.push(latencyMs);
    this.completions.push(at);
  }

  get count(): number {
    return this.latencies.length;
  }

  /** See `Measurement.rate`; `end` is when the run stopped (ms, performance.now()). */
  rate(end: number): number {
    const times = this.completions.values();
    const first = times[0];
    if (first === undefined) return 0;
    const counted = times.reduce((n, t) => (t > first && t <= end ? n + 1 : n), 0);
    return end - first > 0 && counted > 0 ? (counted * 1000) / (end - first) : 0;
  }

  summary(end: number, seconds: number, failed: number, failures: string | undefined): Measurement {
    const latencies = this.latencies.values();
    return {
      rate: this.rate(end),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      ok: this.count,
      failed,
      seconds,
      failures: failed > 0 ? failures : undefined,
    };
  }
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): this;
}

type Autocannon = (options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  duration?: number;
  timeout?: number;
  pipelining?: number;
  workers?: number;
}) => AutocannonInstance;

const autocannon = autocannonUntyped as Autocannon;

export interface HttpLoad {
  /** Base URL of the server, e.g. from `listen`. */
  url: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** A JSON body, sent with content-type application/json. */
  body?: unknown;
  connections: number;
  seconds: number;
  /** Warm-up seconds first (same load, not counted). */
  warmupSeconds?: number;
}

function httpHeaders(load: HttpLoad): Record<string, string> {
  return { ...(load.body === undefined ? {} : { 'content-type': 'application/json' }), ...load.headers };
}

async function autocannonOnce(load: HttpLoad, seconds: number): Promise<Measurement> {
  const recorder = new Recorder();
  const start = performance.now();
  const instance = autocannon({
    url: `${load.url}${load.path}`,
    method: load.method,
    headers: httpHeaders(load),
    body: load.body === undefined ? undefined : JSON.stringify(load.body),
    connections: load.connections,
    duration: seconds,
    timeout: 30,
  });
  // autocannon's own histogram has 1 ms resolution; these are the exact (hrtime) times.
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) recorder.record(ms);
  });
  const result = await instance;
  const end = Math.min(performance.now(), start + seconds * 1000);
  const codes = Object.entries(result.statusCodeStats)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${count}×${code}`);
  if (result.errors > 0) codes.push(`${result.errors} socket errors (${result.timeouts} timeouts)`);
  await drain(load);
  return recorder.summary(end, result.duration, result.non2xx + result.errors, codes.join(', '));
}

/**
 * autocannon closes its connections at the end with requests still in flight, and the server
 * finishes them anyway (slow ones, like a login, for a good while). One more request per
 * connection, all answered, means the server's queues (pool, thread pool) have moved past them,
 * so they do not eat into the next run.
 */
async function drain(load: HttpLoad): Promise<void> {
  const body = load.body === undefined ? undefined : JSON.stringify(load.body);
  await Promise.all(
    Array.from({ length: load.connections }, () =>
      fetch(`${load.url}${load.path}`, { method: load.method, headers: httpHeaders(load), body, signal: AbortSignal.timeout(60_000) })
        .then((res) => res.arrayBuffer())
        .catch(() => undefined),
    ),
  );
}

/** Loads a real HTTP server with autocannon (in this process) for a fixed time. */
export async function runAutocannon(load: HttpLoad): Promise<Measurement> {
  if (load.warmupSeconds) await autocannonOnce(load, load.warmupSeconds);
  return autocannonOnce(load, load.seconds);
}

export interface RawLoad {
  /** One operation, as the API would do it, straight through the driver. */
  op: () => Promise<unknown>;
  /** Concurrent async loops (use the HTTP connection count). */
  concurrency: number;
  seconds: number;
  warmupSeconds?: number;
}

async function loopOnce(load: RawLoad, seconds: number): Promise<Measurement> {
  const recorder = new Recorder();
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline && !stopping) {
      const t0 = performance.now();
      try {
        await load.op();
        const t1 = performance.now();
        recorder.record(t1 - t0, t1);
      } catch (err) {
        failed += 1;
        firstError ??= (err as Error).message;
      }
    }
  };
  // Ops in flight at the deadline finish (and count for latency), as the HTTP server's do.
  await Promise.all(Array.from({ length: load.concurrency }, loop));
  return recorder.summary(deadline, (performance.now() - start) / 1000, failed, `${failed} failed, first: ${firstError}`);
}

/** Runs `op` in `concurrency` loops for a fixed time: the database rate without HTTP. */
export async function runLoop(load: RawLoad): Promise<Measurement> {
  if (load.warmupSeconds) await loopOnce(load, load.warmupSeconds);
  return loopOnce(load, load.seconds);
}

// ---------------------------------------------------------------------------------------------
// Output

/** `1234.5` → `1,235`; small rates keep one decimal. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function formatPercent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : '-';
}

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function printTable(headers: string[], rows: string[][]): void {
  console.log(formatTable(headers, rows));
}

/**
 * Runs one engine's benchmark on an in-memory PGlite, then on a scratch PostgreSQL database
 * (skipped with a note when no server is reachable), printing each result as it comes.
 */
export async function onEachEngine<R>(
  options: { prefix: string; poolSize: number },
  bench: (engine: Engine, label: string, db: Database) => Promise<R>,
  report: (result: R) => void,
): Promise<R[]> {
  const results: R[] = [];
  console.log('\nPGlite: migrating an in-memory database…');
  const db = await openBenchPglite();
  try {
    const result = await bench('pglite', 'PGlite (in-memory, single connection)', db);
    results.push(result);
    report(result);
  } finally {
    await db.close();
  }

  const scratch = await openScratchPostgres(benchPostgresUrl(), options);
  if ('skipped' in scratch) {
    console.log(`\nPostgreSQL skipped: ${scratch.skipped}`);
    return results;
  }
  try {
    const { rows } = await scratch.db.query<{ server_version: string }>('show server_version');
    const version = rows[0]?.server_version ?? '?';
    console.log(`\nPostgreSQL ${version}: benchmarking on scratch database ${scratch.name}…`);
    const result = await bench('postgres', `PostgreSQL ${version} (scratch database ${scratch.name}, pool ${options.poolSize})`, scratch.db);
    results.push(result);
    report(result);
  } finally {
    await scratch.drop();
  }
  return results;
}
