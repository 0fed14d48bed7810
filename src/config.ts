import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything the service reads from the environment, read once at start-up. */
export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** PostgreSQL for migrations, the CLI and (unless `databaseAppUrl`) requests; unset = embedded PGlite. */
  databaseUrl?: string;
  /** A least-privilege login role (like Supabase's `authenticator`) used for request work. */
  databaseAppUrl?: string;
  databasePoolSize: number;
  dataDir: string;
  jwtSecret: string;
  /**
   * A Supabase project's JWKS URL (`https://<project>.supabase.co/auth/v1/.well-known/jwks.json`):
   * access tokens signed with its ES256/RS256 keys are accepted beside HS256 ones.
   */
  authJwksUrl?: string;
  /** Access token lifetime, seconds. */
  accessTokenTtl: number;
  /** Refresh token lifetime, seconds. */
  refreshTokenTtl: number;
  /**
   * Seconds after its rotation during which a refresh token may be used again (GoTrue's
   * REFRESH_TOKEN_REUSE_INTERVAL): a rotation whose answer was lost (a tab closed, a phone losing
   * signal) does not sign the person out. Later reuse revokes the whole family. 0: never.
   */
  refreshTokenReuseInterval: number;
  authRateLimitPerMinute: number;
  /** Allowed browser origins; empty = no cross-origin access. */
  corsOrigins: string[];
  logLevel: string;
  /** Where this service is reached from outside (links in emails, checkout pages). */
  publicUrl: string;
  /** The built web app (`vite build` output) served at `/`; absent = the API alone. */
  webDir: string;
  payments: PaymentsConfig;
  /** How often each server sweeps unpaid orders past their expiry, seconds (0 = never; use the CLI). */
  orderSweepSeconds: number;
  /** Referral invitations one customer may send per day. */
  referralInvitesPerDay: number;
  mail: MailConfig;
  sms: SmsConfig;
  messages: MessagesConfig;
}

export interface MailConfig {
  /** `smtp://user:pass@host:587` (or smtps://); unset outside production = `.eml` files under DATA_DIR/mail. */
  smtpUrl?: string;
  /** The From of every email, e.g. `Recovery Machine <hello@example.com>`. */
  from: string;
}

export interface SmsConfig {
  /** twilio: sent through Twilio's REST API; fake: recorded in DATA_DIR/sms.log, not sent; off: no texts. */
  provider: 'twilio' | 'fake' | 'off';
  twilio?: { accountSid: string; authToken: string; from: string; apiUrl: string };
}

/** The message worker (src/jobs/worker.ts). */
export interface MessagesConfig {
  /** WORKER=off: this server sends no messages (run `recovery worker` elsewhere). */
  worker: boolean;
  maxAttempts: number;
  /** First retry after this many seconds, doubling per attempt, at most an hour. */
  retrySeconds: number;
  /** How long a worker's claim holds a message before another may retake it, seconds. */
  leaseSeconds: number;
  /** How often an idle worker looks for due messages, milliseconds. */
  pollMs: number;
}

export interface PaymentsConfig {
  /** `fake`: an offline checkout that sends Bolt-shaped, Bolt-signed webhooks to this service. */
  provider: 'fake' | 'bolt';
  boltApiUrl: string;
  boltApiKey?: string;
  boltPublishableKey?: string;
  /** HMAC key of webhook signatures (X-Bolt-Hmac-Sha256). */
  signingSecret: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  /** An http(s) URL, or undefined when unset. */
  httpUrl(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      this.problems.push(`${name} must be an http(s) URL (got "${raw}")`);
      return undefined;
    }
    return url.toString();
  }

  postgresUrl(name: string): string | undefined {
    const raw = this.string(name);
    if (raw !== undefined && !/^postgres(ql)?:\/\//.test(raw)) {
      this.problems.push(`${name} must be a postgres:// or postgresql:// URL`);
      return undefined;
    }
    return raw;
  }
}

/** In development the signing key is made once and kept in the data dir, so tokens survive restarts. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function readPayments(read: Reader, nodeEnv: Config['env']): PaymentsConfig {
  const provider = read.oneOf('PAYMENTS_PROVIDER', ['fake', 'bolt'], 'fake');
  const payments: PaymentsConfig = {
    provider,
    boltApiUrl: (read.string('BOLT_API_URL') ?? 'https://api-sandbox.boltapp.com').replace(/\/$/, ''),
    boltApiKey: read.string('BOLT_API_KEY'),
    boltPublishableKey: read.string('BOLT_PUBLISHABLE_KEY'),
    signingSecret: read.string('BOLT_SIGNING_SECRET') ?? '',
  };
  if (!/^https?:\/\/[^\s]+$/.test(payments.boltApiUrl)) read.problems.push('BOLT_API_URL must be an http(s) URL');
  if (provider === 'bolt') {
    for (const [name, value] of [['BOLT_API_KEY', payments.boltApiKey], ['BOLT_PUBLISHABLE_KEY', payments.boltPublishableKey], ['BOLT_SIGNING_SECRET', payments.signingSecret]] as const) {
      if (!value) read.problems.push(`${name} is required when PAYMENTS_PROVIDER=bolt`);
    }
  }
  if (provider === 'fake' && nodeEnv === 'production' && read.string('ALLOW_FAKE_PAYMENTS') !== 'true') {
    read.problems.push('PAYMENTS_PROVIDER=fake lets anyone approve payments: set PAYMENTS_PROVIDER=bolt in production (or ALLOW_FAKE_PAYMENTS=true for a demo)');
  }
  return payments;
}

function readMail(read: Reader, nodeEnv: Config['env']): MailConfig {
  const smtpUrl = read.string('SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) read.problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
  if (smtpUrl === undefined && nodeEnv === 'production') read.problems.push('SMTP_URL is required when NODE_ENV=production (without it mail is only written to files)');
  return { smtpUrl, from: read.string('MAIL_FROM', 'Recovery Machine <no-reply@localhost>')! };
}

function readSms(read: Reader, nodeEnv: Config['env']): SmsConfig {
  const provider = read.oneOf('SMS_PROVIDER', ['twilio', 'fake', 'off'], nodeEnv === 'production' ? 'off' : 'fake');
  if (provider !== 'twilio') return { provider };
  const accountSid = read.string('TWILIO_ACCOUNT_SID');
  const authToken = read.string('TWILIO_AUTH_TOKEN');
  const from = read.string('TWILIO_FROM');
  for (const [name, value] of [['TWILIO_ACCOUNT_SID', accountSid], ['TWILIO_AUTH_TOKEN', authToken], ['TWILIO_FROM', from]] as const) {
    if (!value) read.problems.push(`${name} is required when SMS_PROVIDER=twilio`);
  }
  const apiUrl = (read.httpUrl('TWILIO_API_URL') ?? 'https://api.twilio.com').replace(/\/$/, '');
  return { provider, twilio: { accountSid: accountSid ?? '', authToken: authToken ?? '', from: from ?? '', apiUrl } };
}

export function loadConfig(env: Env = process.env): Config {
  const read = new Reader(env);
  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const dataDir = resolve(read.string('DATA_DIR', './data')!);
  const port = read.int('PORT', 3000, 0, 65535);
  const host = read.string('HOST', '127.0.0.1')!;
  let jwtSecret = read.string('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) read.problems.push('JWT_SECRET must be at least 32 characters');
  if (jwtSecret === undefined && nodeEnv === 'production') read.problems.push('JWT_SECRET is required when NODE_ENV=production');
  const corsOrigins = (read.string('CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) read.problems.push(`CORS_ORIGINS has an invalid origin "${origin}"`);
  }
  const config = {
    env: nodeEnv,
    host,
    port,
    databaseUrl: read.postgresUrl('DATABASE_URL'),
    databaseAppUrl: read.postgresUrl('DATABASE_APP_URL'),
    databasePoolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 500),
    dataDir,
    jwtSecret: '',
    authJwksUrl: read.httpUrl('AUTH_JWKS_URL'),
    accessTokenTtl: read.int('ACCESS_TOKEN_TTL', 3600, 30, 86_400),
    refreshTokenTtl: read.int('REFRESH_TOKEN_TTL', 30 * 86_400, 300, 365 * 86_400),
    refreshTokenReuseInterval: read.int('REFRESH_TOKEN_REUSE_INTERVAL', 10, 0, 3600),
    authRateLimitPerMinute: read.int('AUTH_RATE_LIMIT_PER_MINUTE', 20, 1, 100_000),
    corsOrigins,
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    publicUrl: (read.string('PUBLIC_URL') ?? `http://${host}:${port}`).replace(/\/$/, ''),
    webDir: resolve(read.string('WEB_DIR') ?? fileURLToPath(new URL('../dist/public', import.meta.url))),
    orderSweepSeconds: read.int('ORDER_SWEEP_SECONDS', 60, 0, 86_400),
    referralInvitesPerDay: read.int('REFERRAL_INVITES_PER_DAY', 20, 1, 10_000),
    messages: {
      worker: read.oneOf('WORKER', ['on', 'off'], 'on') === 'on',
      maxAttempts: read.int('MESSAGE_MAX_ATTEMPTS', 5, 1, 100),
      retrySeconds: read.int('MESSAGE_RETRY_SECONDS', 30, 1, 3600),
      leaseSeconds: read.int('MESSAGE_LEASE_SECONDS', 300, 10, 86_400),
      pollMs: read.int('WORKER_POLL_MS', 1000, 50, 600_000),
    },
  } satisfies Omit<Config, 'payments' | 'mail' | 'sms'>;
  const payments = readPayments(read, nodeEnv);
  const mail = readMail(read, nodeEnv);
  const sms = readSms(read, nodeEnv);
  if (config.databaseAppUrl && !config.databaseUrl) read.problems.push('DATABASE_APP_URL needs DATABASE_URL (migrations run with it)');
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  jwtSecret ??= developmentSecret(dataDir);
  // The fake provider's signing key, when not given, is derived from the JWT secret so every
  // process of one deployment agrees on it without another setting.
  const signingSecret = payments.signingSecret || fakeSigningSecret(jwtSecret);
  return {
    ...config,
    mail,
    sms,
    jwtSecret,
    payments: { ...payments, signingSecret },
  };
}

/** The fake provider's webhook signing key when BOLT_SIGNING_SECRET is not set: derived from the JWT secret. */
export function fakeSigningSecret(jwtSecret: string): string {
  return createHmac('sha256', jwtSecret).update('fake-bolt-signing-secret').digest('base64');
}
