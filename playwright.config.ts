import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests: Debian's Chromium (no browser download), driving the real server (`npm start`'s
 * command) on a fresh embedded database, with the web app as `npm run build` left it.
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4310);
export const E2E_DATA_DIR = join(tmpdir(), `rm-e2e-${E2E_PORT}`);
export const E2E_SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123456789';

export default defineConfig({
  testDir: 'e2e',
  // Sessions that have started, booked once for the tests that complete one (see the file).
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results/playwright',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'test-results/playwright-report' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    timezoneId: 'America/Los_Angeles',
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
    },
  },
  webServer: {
    // A fresh database every run (the lock too: a killed run's lock would hold the next one for 15 s).
    command: `rm -rf ${E2E_DATA_DIR} ${E2E_DATA_DIR}.lock && exec node bin/recovery.js serve`,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    url: `http://127.0.0.1:${E2E_PORT}/ready`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      NODE_ENV: 'development',
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      DATA_DIR: E2E_DATA_DIR,
      JWT_SECRET: E2E_SECRET,
      LOG_LEVEL: 'warn',
      PUBLIC_URL: `http://127.0.0.1:${E2E_PORT}`,
      PAYMENTS_PROVIDER: 'fake',
      SMS_PROVIDER: 'fake',
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      WORKER_POLL_MS: '200',
    },
  },
});
