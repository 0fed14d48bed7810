import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Engine } from '../../src/db/index.js';
import type { App } from '../../src/http/types.js';
import { buildServices, type Services } from '../../src/services.js';
import { freshDatabase, type TestDatabase } from './db.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_SECRET,
    DATA_DIR: '/tmp/rm-test-unused',
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    ...overrides,
  });
}

export interface TestApp extends TestDatabase {
  app: App;
  config: Config;
  /** The app's services (the same payment provider), as the server shares them with its sweeper. */
  services: Services;
  close(): Promise<void>;
}

/** A fresh database and an app on it, for one test file. */
export async function startApp(engine: Engine, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await freshDatabase(engine);
  const config = testConfig(env);
  const services = buildServices(config, database.db);
  const app = await buildApp({ config, db: database.db, logger: false, services });
  await app.ready();
  return {
    ...database,
    app,
    config,
    services,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

let counter = 0;
/** A unique email per call, so tests never collide. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

export interface SignedUp {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
}

/** Signs a customer up through the API and returns their tokens. */
export async function signup(app: App, fields: Record<string, unknown> = {}): Promise<SignedUp> {
  const email = (fields.email as string) ?? uniqueEmail();
  const password = (fields.password as string) ?? 'correct horse battery';
  const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { ...fields, email, password } });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { id: body.user.id, email: body.user.email, password, token: body.access_token, refreshToken: body.refresh_token };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export function errorCode(res: LightMyRequestResponse): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

/** Gives an email a staff role directly (as the CLI does) and signs that person up. */
export async function signupStaff(t: TestApp, role: 'operator' | 'admin' | 'super_admin'): Promise<SignedUp> {
  const email = uniqueEmail(role);
  const { upsertAdmin } = await import('../../src/admins/repository.js');
  await upsertAdmin(t.db, email, role);
  return signup(t.app, { email });
}

/** A local calendar date `days` from today (UTC date; the business is west of UTC, so it is in the future). */
export function futureDate(days: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export const ADDRESS = { street: '123 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' };
