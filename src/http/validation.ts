import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type ValidatorFactory = AjvCompiler.ValidatorFactory;

/**
 * Ajv settings shared by both validators. Fastify's own ajv-formats plugin is kept (the
 * compiler adds it), so `format: 'date'` checks real calendar dates.
 */
export const ajvOptions: FastifyServerOptions['ajv'] = { customOptions: { removeAdditional: false, allErrors: false } };

const pool = AjvCompiler();

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
