/**
 * The CLI while a server runs on the same embedded data dir: the server holds the PGlite lock,
 * so the CLI sends its command over the server's control socket (DATA_DIR.sock, beside the data dir).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlSocketPath } from '../../src/commands/control-socket.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const runner = fileURLToPath(new URL('./run.ts', import.meta.url));
const LISTENING = /Recovery Machine API listening on (http:\/\/[^\s]+)/;
// The server stops itself if this test process dies without its afterAll.
const serveScript = (parentPid: number) => `
  import { main } from './src/cli.ts';
  setInterval(() => {
    try { process.kill(${parentPid}, 0); } catch { process.kill(process.pid, 'SIGTERM'); }
  }, 1000).unref();
  await main(['node', 'recovery', 'serve']);`;
const SLOW = { timeout: 120_000 };

function environment(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' };
  for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'JWT_SECRET', 'PUBLIC_URL']) delete env[key];
  return env;
}

/** `recovery …args` from source in its own process. */
function cli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', runner, ...args], { cwd: ROOT, env: environment(dataDir), timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<unknown>;
}

function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serveScript(process.pid)], {
    cwd: ROOT, env: environment(dataDir), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output, exited });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`the server exited before listening:\n${output}`)));
  });
}

/** A socket file with nobody listening, as a killed server leaves it. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  expect(statSync(path).isSocket()).toBe(true);
}

describe('the CLI while a server runs on the data dir', SLOW, () => {
  let dir: string;
  let dataDir: string;
  let server: Server | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rm-fwd-'));
    dataDir = join(dir, 'db');
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('with no server, runs directly, even with a stale socket file in the data dir', async () => {
    expect((await cli(dataDir, 'migrate')).code).toBe(0);
    await staleSocket(controlSocketPath(dataDir));
    const list = await cli(dataDir, 'admin', 'list');
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout.trim()).toBe('no admins yet: npx recovery admin add EMAIL --role super_admin');
  });

  it('a server starting over a stale socket replaces it with its own, owner-only', async () => {
    server = await startServer(dataDir);
    const socket = statSync(controlSocketPath(dataDir));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  it('admin add and admin list run in the server; the new super admin can use the API at once', async () => {
    const add = await cli(dataDir, 'admin', 'add', 'Owner@Example.com', '--role', 'super_admin');
    expect(add.stderr, server!.output()).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout.trim()).toBe('owner@example.com is super_admin');

    const list = await cli(dataDir, 'admin', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^owner@example\.com\tsuper_admin\t/);

    const signup = await fetch(`${server!.url}/api/auth/signup`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery' }),
    });
    expect(signup.status).toBe(201);
    const { access_token: token } = (await signup.json()) as { access_token: string };
    const staff = await fetch(`${server!.url}/api/admin/staff`, { headers: { authorization: `Bearer ${token}` } });
    expect(staff.status).toBe(200);
  });

  it('db:check and the maintenance commands run in the server, with their output and exit codes', async () => {
    const check = await cli(dataDir, 'db:check');
    expect(check.code).toBe(0);
    expect(check.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(3);
    for (const line of check.stdout.trim().split('\n')) expect(line).toMatch(/^ok {3}/);

    expect(await cli(dataDir, 'maintain', 'expire-referrals')).toMatchObject({ code: 0, stdout: '0 referral(s) expired\n', stderr: '' });
    expect(await cli(dataDir, 'maintain', 'expire-orders')).toMatchObject({ code: 0, stdout: '0 order(s) expired\n', stderr: '' });
    const prune = await cli(dataDir, 'maintain', 'prune-sessions');
    expect(prune.code).toBe(0);
    expect(prune.stdout).toMatch(/^\d+ rate-limit window\(s\) and \d+ refresh token\(s\) deleted\n$/);
  });

  it('export and backup run in the server, which writes the files; restore into the held data dir is refused', async () => {
    const csv = join(dir, 'staff-bookings.csv');
    const exported = await cli(dataDir, 'export', 'bookings', '--out', csv);
    expect(exported.stderr, server!.output()).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^export bookings: 0 row\(s\) to write\n0 bookings row\(s\) written to /);
    expect(readFileSync(csv, 'utf8')).toMatch(/^id,customer_email,customer_name,service_type,status,archived,date_time,date_time_local,/);

    const file = join(dir, 'live.backup');
    const backup = await cli(dataDir, 'backup', '--out', file);
    expect(backup.stderr, server!.output()).toBe('');
    expect(backup.code).toBe(0);
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    // The copy taken while the server ran restores into an empty data dir, with the super admin added above.
    const copy = join(dir, 'copy');
    expect((await cli(copy, 'restore', file)).code).toBe(0);
    const list = await cli(copy, 'admin', 'list');
    expect(list.stdout).toMatch(/^owner@example\.com\tsuper_admin\t/);
    expect((await cli(copy, 'db:check')).code).toBe(0);

    const refused = await cli(dataDir, 'restore', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds a database/);
  });

  it('a failing command exits 1 with its message; a bad role is refused', async () => {
    const demote = await cli(dataDir, 'admin', 'add', 'owner@example.com', '--role', 'admin');
    expect(demote.code).toBe(1);
    expect(demote.stderr).toMatch(/last super_admin/);
    const badRole = await cli(dataDir, 'admin', 'add', 'a@example.com', '--role', 'boss');
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/role must be one of/);
  });

  it('migrate says the running server migrated; serve refuses', async () => {
    const migrate = await cli(dataDir, 'migrate');
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/a server is running on this data dir: it migrated the database when it started/);
    const serve = await cli(dataDir, 'serve');
    expect(serve.code).toBe(1);
    expect(serve.stderr).toMatch(/is in use by another process/);
  });

  it('on SIGTERM the server removes its socket; the CLI runs directly again', async () => {
    server!.child.kill('SIGTERM');
    await server!.exited;
    expect(existsSync(controlSocketPath(dataDir))).toBe(false);
    const list = await cli(dataDir, 'admin', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^owner@example\.com\tsuper_admin\t/);
  });
});
