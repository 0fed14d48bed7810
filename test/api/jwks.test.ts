import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/auth/tokens.js';
import { ConfigError } from '../../src/config.js';
import { engines } from '../helpers/db.js';
import { bearer, signup, startApp, testConfig, TEST_SECRET, type SignedUp, type TestApp } from '../helpers/app.js';

interface Key {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

async function makeKey(kid: string, alg: Key['alg']): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey };
}

/** A JWKS endpoint on 127.0.0.1 (like `<project>/auth/v1/.well-known/jwks.json`) that counts its fetches. */
class JwksServer {
  readonly published: JWK[] = [];
  fetches = 0;
  private server?: Server;
  url = '';

  async publish(key: Key): Promise<void> {
    this.published.push({ ...(await exportJWK(key.publicKey)), kid: key.kid, alg: key.alg, use: 'sig' });
  }

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      this.fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.published }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A Supabase-shaped access token for `sub`, signed with `key` (or another private key under its kid). */
function supabaseToken(sub: string, key: Key, options: { signWith?: CryptoKey; claims?: Record<string, unknown>; audience?: string } = {}): Promise<string> {
  return new SignJWT({ role: 'authenticated', email: 'x@example.com', ...options.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject(sub)
    .setAudience(options.audience ?? 'authenticated')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(options.signWith ?? key.privateKey);
}

describe('AUTH_JWKS_URL configuration', () => {
  it.each(['not a url', 'ftp://example.com/jwks.json'])('"%s" stops start-up naming the variable', (value) => {
    expect(() => testConfig({ AUTH_JWKS_URL: value })).toThrow(ConfigError);
    expect(() => testConfig({ AUTH_JWKS_URL: value })).toThrow(/AUTH_JWKS_URL must be an http\(s\) URL/);
  });

  it('is optional, and read when given', () => {
    expect(testConfig().authJwksUrl).toBeUndefined();
    expect(testConfig({ AUTH_JWKS_URL: 'https://abc.supabase.co/auth/v1/.well-known/jwks.json' }).authJwksUrl).toBe(
      'https://abc.supabase.co/auth/v1/.well-known/jwks.json',
    );
  });
});

describe('key rotation through the JWKS', () => {
  const jwks = new JwksServer();
  let first: Key;
  let second: Key;
  beforeAll(async () => {
    first = await makeKey('first', 'ES256');
    second = await makeKey('second', 'ES256');
    await jwks.publish(first);
    await jwks.start();
  });
  afterAll(() => jwks.stop());

  it('an unknown kid refetches the set, at most once per cooldown', async () => {
    const tokens = new AccessTokens({ secret: TEST_SECRET, accessTokenTtl: 3600, jwks: { url: jwks.url, cooldownMs: 300 } });
    expect(await tokens.verify(await supabaseToken('u1', first))).toMatchObject({ sub: 'u1' });
    expect(jwks.fetches).toBe(1);
    // Unknown kids inside the cooldown: refused without hammering the endpoint.
    for (let i = 0; i < 5; i += 1) expect(await tokens.verify(await supabaseToken('u1', { ...first, kid: `unknown-${i}` }))).toBeUndefined();
    expect(jwks.fetches).toBe(1);
    // The project rotates to a new key: after the cooldown its kid is fetched and accepted.
    await jwks.publish(second);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await tokens.verify(await supabaseToken('u2', second))).toMatchObject({ sub: 'u2' });
    expect(jwks.fetches).toBe(2);
  });
});

describe.each(engines)('Supabase asymmetric access tokens on %s', (engine) => {
  const jwks = new JwksServer();
  let t: TestApp;
  let user: SignedUp;
  let es: Key;
  let rs: Key;
  beforeAll(async () => {
    es = await makeKey('es-key', 'ES256');
    rs = await makeKey('rs-key', 'RS256');
    await jwks.publish(es);
    await jwks.publish(rs);
    await jwks.start();
    t = await startApp(engine, { AUTH_JWKS_URL: jwks.url });
    user = await signup(t.app);
  });
  afterAll(async () => {
    await t?.close();
    await jwks.stop();
  });

  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });

  it('accepts ES256 and RS256 tokens chosen by kid, and our own HS256 ones', async () => {
    for (const key of [es, rs]) {
      const res = await me(await supabaseToken(user.id, key));
      expect(res.statusCode, `${key.alg}: ${res.body}`).toBe(200);
      expect(res.json().id).toBe(user.id);
    }
    expect((await me(user.token)).statusCode).toBe(200);
  });

  it('refuses a token signed by another key under a published kid', async () => {
    const stranger = await makeKey('es-key', 'ES256');
    expect((await me(await supabaseToken(user.id, es, { signWith: stranger.privateKey }))).statusCode).toBe(401);
  });

  it('refuses alg confusion: HS256 signed with the published public key', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(rs.publicKey));
    for (const kid of ['rs-key', undefined]) {
      const forged = await new SignJWT({ role: 'authenticated' })
        .setProtectedHeader(kid ? { alg: 'HS256', kid } : { alg: 'HS256' })
        .setSubject(user.id)
        .setAudience('authenticated')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(pem);
      expect((await me(forged)).statusCode).toBe(401);
    }
  });

  it('applies the same claim checks (aud, role, exp)', async () => {
    expect((await me(await supabaseToken(user.id, es, { claims: { role: 'service_role' } }))).statusCode).toBe(401);
    expect((await me(await supabaseToken(user.id, es, { audience: 'anon' }))).statusCode).toBe(401);
    const old = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid: 'es-key' })
      .setSubject(user.id)
      .setAudience('authenticated')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(es.privateKey);
    expect((await me(old)).statusCode).toBe(401);
  });
});
