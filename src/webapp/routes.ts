import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/types.js';

/** Paths the web app never answers: the API, its docs, health checks, checkout pages, redirects. */
const SERVER_PATHS = /^\/(api|docs|health|ready|checkout|r)(\/|$)/;

/** Hashed build assets never change under one name: cache them for a year. */
/** A missing file stays a 404 (a page path may hold dots, as a review link's token does). */
const FILE = /\.(js|mjs|css|map|png|jpe?g|gif|webp|svg|ico|json|txt|xml|webmanifest|woff2?)$/i;

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built web app (web/ → `dist/public` by `vite build`, run by `npm ci`): the hashed
 * assets with a year's cache, `index.html` (never cached) at `/` and for every client route
 * (`/book`, `/account/bookings`, `/admin/…`). Returns the not-found fallback for the error handler,
 * or undefined when there is no build (the API alone still serves).
 */
export async function registerWebApp(app: App, webDir: string): Promise<((request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined) | undefined> {
  if (!existsSync(join(webDir, 'index.html'))) {
    app.log.info({ webDir }, 'no web app build here (run `npm run build`): serving the API alone');
    return undefined;
  }
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: '/',
    wildcard: false, // one route per built file, found at start-up: unknown paths reach the not-found handler
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.includes('/assets/') ? IMMUTABLE : 'no-cache');
    },
    schemaHide: true,
  });
  // A client route (a GET for a page, not a file or the API) gets the app's index.html.
  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    if (SERVER_PATHS.test(path) || path.startsWith('/assets/') || FILE.test(path)) return undefined;
    if (!(request.headers.accept ?? '').includes('text/html')) return undefined;
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
}
