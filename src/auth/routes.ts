import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../errors.js';
import { Email, errors, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import { normalizeEmail, type AuthService } from './service.js';

const SessionResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Access token lifetime in seconds' }),
  user: Type.Object({ id: Uuid, email: Type.String() }),
});

const Password = Type.String({ minLength: 8, maxLength: 72, description: '8 to 72 characters (at most 72 bytes in UTF-8)' });

const SignupBody = Type.Object(
  {
    email: Email,
    password: Password,
    full_name: Type.Optional(Type.String({ maxLength: 200 })),
    phone: Type.Optional(Type.String({ maxLength: 40, pattern: '^[+0-9 ()./-]*$' })),
    referral_code: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9]+$' })),
  },
  { additionalProperties: false },
);

const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

const tags = ['auth'];

/** The contract trims emails, so pasted ones with stray spaces must pass the format check. */
async function trimEmail(request: FastifyRequest): Promise<void> {
  const body = request.body as { email?: unknown } | null | undefined;
  if (body && typeof body === 'object' && typeof body.email === 'string') body.email = body.email.trim();
}

export function registerAuthRoutes(app: App, auth: AuthService): void {
  /** Per-IP and (when the body names one) per-email limits, shared across processes. */
  const limit = (route: string) => async (request: FastifyRequest) => {
    const keys = [`ip:${request.ip}:${route}`];
    const email = (request.body as { email?: unknown } | undefined)?.email;
    if (typeof email === 'string') keys.push(`email:${normalizeEmail(email)}:${route}`);
    await auth.rateLimit(keys);
  };

  app.post(
    '/api/auth/signup',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Create an account', body: SignupBody, response: { 201: SessionResponse, ...errors(400, 409, 422, 429) } },
      preValidation: trimEmail,
      preHandler: limit('signup'),
    },
    async (request, reply) => reply.status(201).send(await auth.signup(request.body)),
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Sign in with email and password', body: LoginBody, response: { 200: SessionResponse, ...errors(400, 401, 429) } },
      preHandler: limit('login'),
    },
    async (request) => auth.login(request.body.email, request.body.password),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Rotate a refresh token for a new pair', body: RefreshBody, response: { 200: SessionResponse, ...errors(400, 401, 429) } },
      preHandler: limit('refresh'),
    },
    async (request) => auth.refresh(request.body.refresh_token),
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'signed_in', acceptExpiredToken: true },
      schema: { tags, summary: 'End the current session (revokes its refresh tokens)', security: [{ bearerAuth: [] }], response: { 204: Type.Null(), ...errors(401) } },
    },
    async (request, reply) => {
      if (request.caller.role !== 'authenticated') throw unauthorized();
      await auth.logout(request.caller.claims);
      return reply.status(204).send(null);
    },
  );
}
