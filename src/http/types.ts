import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Caller } from '../db/index.js';

/** The Fastify instance with TypeBox schemas as types: what every `routes.ts` registers on. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who this request runs as in the database; set from the Authorization header. */
    caller: Caller;
  }
  interface FastifyInstance {
    /** Compiles the route schemas no request has used yet (they compile on first use; a server does this once it listens). */
    compileSchemas(): Promise<void>;
  }
}
