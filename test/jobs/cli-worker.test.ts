import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { TEST_SECRET } from '../helpers/app.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// `recovery worker` from the sources; it stops itself if this test process dies first.
const workerScript = (parentPid: number) => `
  import { main } from './src/cli.ts';
  setInterval(() => {
    try { process.kill(${parentPid}, 0); } catch { process.kill(process.pid, 'SIGTERM'); }
  }, 1000).unref();
  await main(['node', 'recovery', 'worker']);`;

describe('worker configuration', () => {
  it('WORKER=off turns the in-server worker off; bad values are refused', () => {
    expect(loadConfig({ JWT_SECRET: TEST_SECRET }).messages).toMatchObject({ worker: true, maxAttempts: 5 });
    expect(loadConfig({ JWT_SECRET: TEST_SECRET, WORKER: 'off', MESSAGE_MAX_ATTEMPTS: '2' }).messages).toMatchObject({ worker: false, maxAttempts: 2 });
    expect(() => loadConfig({ JWT_SECRET: TEST_SECRET, WORKER: 'maybe' })).toThrow(/WORKER must be one of on, off/);
    expect(() => loadConfig({ JWT_SECRET: TEST_SECRET, MESSAGE_MAX_ATTEMPTS: '0' })).toThrow(/MESSAGE_MAX_ATTEMPTS/);
  });
});

describe.runIf(!!process.env.TEST_DATABASE_URL)('`recovery worker` on its own', () => {
  let database: TestDatabase;

  afterAll(async () => {
    await database?.drop();
  });

  it('sends due messages until SIGTERM, then exits cleanly', { timeout: 60_000 }, async () => {
    database = await freshDatabase('postgres');
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', DATABASE_URL: database.url, JWT_SECRET: TEST_SECRET, WORKER_POLL_MS: '100', DATA_DIR: '/tmp/rm-test-unused' };
    delete env.DATABASE_APP_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', workerScript(process.pid)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 200 && !output.includes('message worker running'); i += 1) await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain('message worker running');
      const { rows } = await database.db.query<{ id: string }>(
        "insert into public.messages (kind, recipient, idempotency_key) values ('referral_invitation', 'friend@example.com', 'cli-test') returning id",
      );
      let status = '';
      for (let i = 0; i < 100 && status !== 'sent'; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await database.db.query<{ status: string }>('select status from public.messages where id = $1', [rows[0]!.id])).rows[0]!.status;
      }
      expect(status, output).toBe('sent');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });
});
