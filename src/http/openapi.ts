import { Type, type TSchema } from 'typebox';
import { accessOf } from './access.js';
import type { App } from './types.js';

const errorResponse = () => Type.Ref('ErrorResponse');

/** A 200 that is a page or a file rather than JSON (errors stay JSON). */
export const contentResponse = (contentType: string, description: string) => ({
  description,
  content: { [contentType]: { schema: Type.String() } },
});

interface RouteSchema {
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  security?: unknown;
  response?: Record<string | number, unknown>;
}

/** The error statuses any route can give by its shape and access, besides its own. */
export function standardErrors(schema: RouteSchema, access: string | undefined): number[] {
  const statuses = [500];
  if (schema.params || schema.querystring || schema.body) statuses.push(400);
  if (schema.body) statuses.push(413, 415);
  if (schema.params) statuses.push(404, 414); // 414: a path parameter past Fastify's maxParamLength
  if (access && access !== 'public') statuses.push(401);
  if (access && access !== 'public' && access !== 'signed_in') statuses.push(403);
  return statuses;
}

/**
 * Adds the standard error responses (one error schema) and the bearer security to every
 * documented route, so the OpenAPI document lists every status a route can answer.
 */
export function documentStandardErrors(app: App): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined;
    if (!schema || (schema as { hide?: boolean }).hide) return;
    const access = accessOf(route.config);
    const response: Record<string | number, unknown> = { ...(schema.response ?? {}) };
    for (const status of standardErrors(schema, access)) {
      if (response[status] === undefined && response[String(status)] === undefined) response[status] = errorResponse() as TSchema;
    }
    route.schema = { ...schema, response } as typeof route.schema;
    if (access && access !== 'public' && !schema.security) (route.schema as RouteSchema).security = [{ bearerAuth: [] }];
  });
}
