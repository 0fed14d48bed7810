import { createRequire } from 'node:module';
import type AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type ValidatorFactory = AjvCompiler.ValidatorFactory;

/**
 * Ajv settings shared by both validators. Fastify's own ajv-formats plugin is kept (the
 * compiler adds it), so `format: 'date'` checks real calendar dates.
 */
export const ajvOptions: FastifyServerOptions['ajv'] = { customOptions: { removeAdditional: false, allErrors: false } };

const require = createRequire(import.meta.url);
let ajvPool: ReturnType<typeof AjvCompiler> | undefined;
/** Ajv loads with the first schema compiled (after listening), not with this module. */
const pool: ReturnType<typeof AjvCompiler> = (externalSchemas, options) =>
  (ajvPool ??= (require('@fastify/ajv-compiler') as typeof AjvCompiler)())(externalSchemas, options);

/**
 * Two Ajv instances, chosen per part of the request: query strings, path params and headers
 * arrive as text and are coerced to the schema's types ("2" → 2); JSON bodies are taken as
 * typed, so `1` never becomes `true`, `false` never becomes "false" and `null` never 0.
 */
export const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const given = (options ?? {}) as AjvCompiler.Options & { customOptions?: AjvCompiler.Options };
  const withCoercion = (coerceTypes: 'array' | false) =>
    pool(externalSchemas, { ...given, customOptions: { ...given.customOptions, coerceTypes } } as Parameters<ValidatorFactory>[1]);
  const coercing = withCoercion('array');
  const typed = withCoercion(false);
  return (route) => (route.httpPart === 'body' ? typed(route) : coercing(route));
};

type SerializerFactory = (externalSchemas?: unknown, options?: unknown) => (route: { schema?: unknown; method?: string; url?: string }) => (doc: unknown) => string;

let serializerFactory: SerializerFactory | undefined;
/** The serializer compiler Fastify uses by default (fast-json-stringify), loaded from Fastify's own dependencies when first used. */
const serializers = (): SerializerFactory =>
  (serializerFactory ??= (createRequire(require.resolve('fastify'))('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)());

type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown; schemaEnv?: unknown };

export interface LazyCompilers {
  buildValidator: ValidatorFactory;
  buildSerializer: SerializerFactory;
  /** Compiles every schema not used yet, yielding to requests between routes. */
  compileAll(): Promise<void>;
}

/**
 * Route schemas (~50 routes' validators and serializers) compile on first use instead of at
 * `app.ready()`, where they were most of the start-up after the database; a listening server
 * then compiles the rest with `compileAll`. Validators keep Ajv's `errors` and `schemaEnv`
 * (Fastify reads both), so a request sees no difference.
 */
export function lazyCompilers(): LazyCompilers {
  const pending = new Set<() => Compiled>();
  const lazily = (route: { method?: string; url?: string }, compile: () => Compiled): Compiled => {
    let compiled: Compiled | undefined;
    const get = (): Compiled => {
      if (!compiled) {
        try {
          compiled = compile();
        } catch (err) {
          throw new Error(`${route.method} ${route.url}: its schema does not compile: ${(err as Error).message}`, { cause: err });
        }
        pending.delete(get);
      }
      return compiled;
    };
    pending.add(get);
    const run = ((...args: unknown[]) => get()(...args)) as Compiled;
    Object.defineProperty(run, 'errors', { get: () => compiled?.errors });
    Object.defineProperty(run, 'schemaEnv', { get: () => get().schemaEnv });
    return run;
  };
  return {
    buildValidator: (externalSchemas, options) => {
      let build: ReturnType<ValidatorFactory> | undefined;
      const compiler = (route: Parameters<ReturnType<ValidatorFactory>>[0]) =>
        lazily(route, () => (build ??= buildValidator(externalSchemas, options))(route) as Compiled);
      return compiler as ReturnType<ValidatorFactory>;
    },
    buildSerializer: (externalSchemas, options) => {
      let build: ReturnType<SerializerFactory> | undefined;
      return (route) => lazily(route, () => (build ??= serializers()(externalSchemas, options))(route) as Compiled) as (doc: unknown) => string;
    },
    async compileAll() {
      for (const get of [...pending]) {
        get();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
