import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// `recovery serve` from the sources; it stops itself if this test process dies first.
const serveScript = (parentPid: number) => `
  import { main } from './src/cli.ts';
  setInterval(() => {
    try { process.kill(${parentPid}, 0); } catch { process.kill(process.pid, 'SIGTERM'); }
  }, 1000).unref();
  await main(['node', 'recovery', 'serve']);`;

const upkeep = ['upkeep.expire-unpaid-orders', 'upkeep.finish-pending-refunds', 'upkeep.prune-sessions', 'upkeep.expire-referrals', 'upkeep.purge-referrals', 'upkeep.compact-report-facts'];

/**
 * The server's wiring: with WORKER on it starts the upkeep schedules on pg-boss after it listens
 * (the log says which), answers /ready, and stops cleanly; ORDER_SWEEP_SECONDS=0 starts none.
 */
describe.each(engines)('`recovery serve` runs the upkeep schedules (%s)', (engine) => {
  let database: TestDatabase | undefined;
  const dirs: string[] = [];

  afterAll(async () => {
    await database?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function serve(extra: Record<string, string>): Promise<{ output: string; code: number | null; ready: boolean }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'rm-upkeep-'));
    dirs.push(dataDir);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...extra };
    delete env.DATABASE_APP_URL;
    if (engine === 'postgres') env.DATABASE_URL = database!.url;
    else delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serveScript(process.pid)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let ready = false;
    try {
      for (let i = 0; i < 600 && !/listening on (http:\/\/\S+)/.test(output); i += 1) await new Promise((r) => setTimeout(r, 100));
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) ready = (await fetch(`${url}/ready`)).status === 200;
      const done = extra.ORDER_SWEEP_SECONDS === '0' ? /listening on/ : /upkeep schedules running|did not start/;
      for (let i = 0; i < 600 && !done.test(output); i += 1) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGTERM');
    }
    return { output, code: await exited, ready };
  }

  it('starts them after listening, once per server, and stops cleanly', { timeout: 150_000 }, async () => {
    if (engine === 'postgres') database = await freshDatabase('postgres');
    const { output, code, ready } = await serve({});
    expect(ready, output).toBe(true);
    expect(output).toContain('upkeep schedules running on pg-boss');
    for (const name of upkeep) expect(output).toContain(name);
    expect(output).not.toContain('did not start');
    expect(code, output).toBe(0);
    if (database) {
      const { rows } = await database.db.query<{ name: string }>("select name from pgboss.schedule where name like 'upkeep.%' order by name");
      expect(rows.map((r) => r.name)).toEqual([...upkeep].sort());
    }
  });

  it('ORDER_SWEEP_SECONDS=0: no schedules, no pg-boss', { timeout: 150_000 }, async () => {
    const { output, code, ready } = await serve({ ORDER_SWEEP_SECONDS: '0' });
    expect(ready, output).toBe(true);
    expect(output).not.toContain('upkeep schedules running');
    expect(code, output).toBe(0);
  });
});
