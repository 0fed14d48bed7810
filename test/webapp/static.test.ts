import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

/** The server serves the built web app (a stand-in build here): assets, index.html, client routes. */
describe('the web app, served by the API server', () => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rm-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Recovery Machine</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
    t = await startApp('pglite', { WORKER: 'off', WEB_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, accept = 'text/html') => t.app.inject({ method: 'GET', url, headers: { accept } });

  it('serves index.html at / and for client routes, never cached', async () => {
    for (const url of ['/', '/book', '/account/bookings', '/admin/calendar?day=2026-03-08', '/review/abc.def']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a year of immutable cache', async () => {
    const res = await get('/assets/index-abc123.js', '*/*');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('leaves the API, missing files and non-page requests to the JSON 404', async () => {
    for (const [url, accept] of [['/api/nope', 'text/html'], ['/assets/missing.js', '*/*'], ['/favicon.ico', 'text/html'], ['/book', 'application/json']] as const) {
      const res = await get(url, accept);
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'not_found' } });
    }
    const post = await t.app.inject({ method: 'POST', url: '/book', headers: { accept: 'text/html' } });
    expect(post.statusCode).toBe(404);
  });

  it('keeps the API routes as they were', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/business' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveProperty('timezone');
  });
});
