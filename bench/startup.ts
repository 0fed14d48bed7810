/**
 * `node --import tsx bench/startup.ts` (issue 9 §4): how long `recovery serve` takes from spawn
 * to a 200 from /ready on an existing embedded data dir, over BENCH_STARTS (7) starts, beside a
 * baseline measured in the same run: a bare `node -e` that opens the same data dir with PGlite
 * and runs `select 1` (the database's own start). Runs the build (`npm run build` first); the
 * data dir is made and migrated by one untimed start.
 *
 * Then the upkeep schedules (pg-boss, started after the server listens): ms from /ready to the
 * log line "upkeep schedules running on pg-boss", on the existing data dir (pg-boss's schema made
 * by the untimed start) and on a new one (pg-boss creates its schema then), BENCH_SCHEDULER_STARTS (3) each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cleanUp, envInt, formatMs, guardProcess, onCleanup, printTable } from './lib.js';

const STARTS = envInt('BENCH_STARTS', 7, 1, 100);
const SCHEDULER_STARTS = envInt('BENCH_SCHEDULER_STARTS', 3, 0, 20);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin/recovery.js');

/** A port free right now, for the server to listen on (so /ready can be polled from spawn on). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/ready`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns the server, polls /ready every 5 ms; returns ms from spawn to the first 200, then stops it.
 * With `untilLog`, it also waits for that log line (LOG_LEVEL=info) and returns ms from /ready to it.
 */
async function timeServerStart(dataDir: string): Promise<number>;
async function timeServerStart(dataDir: string, untilLog: string): Promise<{ ready: number; after: number }>;
async function timeServerStart(dataDir: string, untilLog?: string): Promise<number | { ready: number; after: number }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: untilLog ? 'info' : 'warn', NODE_ENV: 'development' };
  for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'PUBLIC_URL']) delete env[key];
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    while (!(await ready(port))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited before it was ready:\n${output}`);
      if (performance.now() - started > 60_000) throw new Error(`not ready within 60 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const readyMs = performance.now() - started;
    if (!untilLog) return readyMs;
    while (!output.includes(untilLog)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited before "${untilLog}":\n${output}`);
      if (performance.now() - started > 60_000) throw new Error(`no "${untilLog}" within 60 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { ready: readyMs, after: performance.now() - started - readyMs };
  } finally {
    await stop();
  }
}

/** The database's own start: node, the PGlite module, the data dir opened, one query. */
const BARE_PGLITE = `
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create({ dataDir: process.env.DATA_DIR });
  await pg.query('select 1');
  process.stdout.write('ready\\n');
  await pg.close();
`;

async function timeBarePglite(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE_PGLITE], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const elapsed = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve(performance.now() - started);
      });
      child.once('exit', (code) => reject(new Error(`bare PGlite exited (${code}) before it answered:\n${output}`)));
    });
    return elapsed;
  } finally {
    await exited(child); // it closes the data dir itself; the next start must find it unlocked and clean
    await stop();
  }
}

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
};

async function main(): Promise<void> {
  guardProcess(60 + STARTS * 2 * 30 + SCHEDULER_STARTS * 2 * 60);
  const dir = process.env.BENCH_DATA_DIR?.trim() || mkdtempSync(join(tmpdir(), 'rm-bench-startup-'));
  if (!process.env.BENCH_DATA_DIR?.trim()) onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  console.log(`Start-up to /ready on an existing embedded data dir (${dir}), ${STARTS} starts each, node ${process.version}`);
  console.log('preparing: one untimed start creates and migrates the data dir…');
  await timeServerStart(dir);

  // Interleaved, so machine noise falls on both alike.
  const server: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    bare.push(await timeBarePglite(dir));
    server.push(await timeServerStart(dir));
  }
  const s = stats(server);
  const b = stats(bare);
  console.log();
  printTable(
    ['ms from spawn', 'min', 'median', 'max'],
    [
      ['recovery serve → /ready 200', formatMs(s.min), formatMs(s.median), formatMs(s.max)],
      ['baseline: node + PGlite open + select 1', formatMs(b.min), formatMs(b.median), formatMs(b.max)],
    ],
  );
  console.log(`\nratio (median serve / median baseline): ${(s.median / b.median).toFixed(2)}×; serve's own work beyond the database: ${formatMs(s.median - b.median)} ms`);

  if (SCHEDULER_STARTS === 0) return;
  const line = 'upkeep schedules running on pg-boss';
  const existing: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < SCHEDULER_STARTS; i++) {
    existing.push((await timeServerStart(dir, line)).after);
    const newDir = mkdtempSync(join(tmpdir(), 'rm-bench-startup-new-'));
    try {
      fresh.push((await timeServerStart(newDir, line)).after);
    } finally {
      rmSync(newDir, { recursive: true, force: true });
    }
  }
  const e = stats(existing);
  const f = stats(fresh);
  console.log();
  printTable(
    ['ms from /ready to the upkeep schedules running', 'min', 'median', 'max'],
    [
      ['existing data dir (pg-boss schema there)', formatMs(e.min), formatMs(e.median), formatMs(e.max)],
      ['new data dir (pg-boss creates its schema)', formatMs(f.min), formatMs(f.median), formatMs(f.max)],
    ],
  );
}

try {
  await main();
} finally {
  await cleanUp();
}
