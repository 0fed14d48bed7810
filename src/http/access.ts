import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { Caller, Database } from '../db/index.js';
import { forbidden, invalidToken, signInRequired } from '../errors.js';
import { atLeast, staffRole } from '../staff/access.js';
import type { App } from './types.js';

/** Who may call a route: anyone, any signed-in user, or staff from a role up. */
export type Access = 'public' | 'signed_in' | 'operator' | 'admin' | 'super_admin';

export const ACCESS_LEVELS: readonly Access[] = ['public', 'signed_in', 'operator', 'admin', 'super_admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Required on every /api route (a missing one stops start-up). Checked before the body is
     * parsed or validated: 401 for signed-out callers, 403 below the staff role.
     */
    access?: Access;
    /** Accept an access token past its expiry (up to the refresh-token lifetime): sign-out. */
    acceptExpiredToken?: boolean;
  }
}

const ANON: Caller = { role: 'anon' };

/** The access a route declares, for the hooks and the OpenAPI document. */
export const accessOf = (config: unknown): Access | undefined => (config as { access?: Access } | undefined)?.access;

/** Makes a forgotten or misspelled access declaration on an /api route a start-up error. */
export function requireAccessDeclarations(app: App): void {
  app.addHook('onRoute', (route) => {
    const path = route.url ?? route.path;
    if (!path.startsWith('/api/')) return;
    const access = accessOf(route.config);
    if (!access || !ACCESS_LEVELS.includes(access)) {
      throw new Error(`${String(route.method)} ${path} must declare config.access (one of ${ACCESS_LEVELS.join(', ')}); got ${String(access)}`);
    }
  });
}

/**
 * Sets `request.caller` and enforces the route's access before anything reads the input.
 * On public routes a bad or expired token does not matter (the caller is anon).
 */
export function registerAccess(app: App, auth: AuthService, db: Database, expiredTokenGraceSeconds: number): void {
  app.decorateRequest('caller', null as never);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.caller = ANON;
    const { access, acceptExpiredToken } = request.routeOptions.config ?? {};
    if (!access) return; // not an /api route (health, checkout pages, 404s)
    const header = request.headers.authorization;
    const caller = await auth.authenticate(header, acceptExpiredToken ? expiredTokenGraceSeconds : 0);
    if (access === 'public') {
      request.caller = caller ?? ANON;
      return;
    }
    if (!caller) throw invalidToken();
    if (caller.role !== 'authenticated') throw signInRequired();
    request.caller = caller;
    if (access === 'signed_in') return;
    const role = await db.asCaller(caller, staffRole);
    if (!atLeast(role, access)) throw forbidden(`This needs the ${access} role`);
  });
}
