import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Config } from '../config.js';
import type { App } from './types.js';

/** Headers of the docs app's answer that describe that connection, not the content. */
const HOP_BY_HOP = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

/**
 * The OpenAPI document (/api/openapi.json) and the interactive docs (/docs), built on first
 * request instead of at start-up, where @fastify/swagger and @fastify/swagger-ui (yaml,
 * @fastify/static, …) cost more than all the routes. The routes are recorded as they are
 * registered (after the hooks that add standard errors) and declared again, without handlers,
 * on a separate Fastify instance that carries the two plugins; /docs answers come from it.
 */
export function registerLazyDocs(app: App, config: Config, sharedSchemas: readonly unknown[]): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route as RouteOptions);
  });
  let docs: Promise<FastifyInstance> | undefined;
  const docsApp = () => {
    docs ??= buildDocsApp(config, sharedSchemas, routes);
    docs.catch(() => (docs = undefined)); // a failure is answered as a 500, and tried again next time
    return docs;
  };

  app.get('/api/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => (await docsApp()).swagger());
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const res = await (await docsApp()).inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers: request.headers });
    for (const [name, value] of Object.entries(res.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) reply.header(name, value);
    }
    return reply.code(res.statusCode).send(res.rawPayload);
  };
  app.get('/docs', { schema: { hide: true } }, forward);
  app.get('/docs/*', { schema: { hide: true } }, forward);
}

async function buildDocsApp(config: Config, sharedSchemas: readonly unknown[], routes: readonly RouteOptions[]): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  // Every route, HEAD ones included, is declared again as recorded; nothing here validates or serializes.
  const docs = Fastify({ logger: false, exposeHeadRoutes: false });
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of sharedSchemas) docs.addSchema(schema);
  await docs.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Recovery Machine API',
        version: '0.1.0',
        description: 'Bookings, payments, credits and referrals. Errors are always {error: {code, message, details?}}.',
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  for (const route of routes) {
    const schema = route.schema as { hide?: boolean } | undefined;
    if (schema?.hide) continue; // not in the document; /docs and /api/openapi.json themselves among them
    docs.route({ method: route.method, url: route.url, schema: route.schema, config: route.config, handler: async () => null });
  }
  await docs.ready();
  return docs;
}
