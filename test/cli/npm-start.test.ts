/**
 * `npm start` as a process manager runs it: SIGTERM goes to npm, the process it started. npm runs
 * the script through /bin/sh; unless the script `exec`s node, the shell swallows the signal and
 * the server lives on, holding the PGlite data-dir lock.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING = /Recovery Machine API listening on (http:\/\/[^\s]+)/;

describe('npm start', () => {
  let dir: string;

  beforeAll(() => {
    // bin/recovery.js runs the build: build this checkout's sources so the test runs them.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    dir = mkdtempSync(join(tmpdir(), 'rm-npm-start-'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops on SIGTERM to npm and releases the data dir', async () => {
    const dataDir = join(dir, 'db');
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'development' };
    for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'JWT_SECRET', 'PUBLIC_URL']) delete env[key];
    const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not listen within 60 s:\n${output}`)), 60_000);
        npm.stdout.on('data', () => {
          const match = LISTENING.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(200);

      npm.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
      expect(await Promise.race([exited, timeout]), output).not.toBe('timeout');
      // The server process is gone too: its lock is released, so the data dir opens here.
      const db = await openPglite({ dataDir });
      await db.close();
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    }
  }, 120_000);
});
