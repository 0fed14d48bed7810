import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { registerAuthRoutes } from './auth/routes.js';
import { registerBookingRoutes } from './bookings/routes.js';
import { registerCatalogRoutes } from './catalog/routes.js';
import type { Config } from './config.js';
import { registerCreditRoutes } from './credits/routes.js';
import { registerCustomerRoutes } from './customers/routes.js';
import type { Database } from './db/index.js';
import { registerHealthRoutes } from './health/routes.js';
import { registerNotificationRoutes } from './notifications/routes.js';
import { registerTwilioWebhook } from './notifications/twilio-routes.js';
import { registerAccess, requireAccessDeclarations } from './http/access.js';
import { registerLazyDocs } from './http/docs.js';
import { clientErrors, frameworkErrors, registerErrorHandling } from './http/errors.js';
import { documentStandardErrors } from './http/openapi.js';
import { ErrorResponse } from './http/schemas.js';
import type { App } from './http/types.js';
import { ajvOptions, lazyCompilers } from './http/validation.js';
import { registerMessageRoutes } from './messages/routes.js';
import { registerOrderRoutes } from './orders/routes.js';
import { BoltProvider } from './payments/bolt.js';
import { FakeCheckout } from './payments/checkout.js';
import { registerBoltCheckoutRoutes, registerFakeCheckoutRoutes } from './payments/checkout-routes.js';
import { FakeProvider } from './payments/fake.js';
import { registerWebhookRoutes } from './payments/routes.js';
import { AddressSchema } from './profiles/schemas.js';
import { registerProfileRoutes } from './profiles/routes.js';
import { registerReferralRoutes } from './referrals/routes.js';
import { registerReportRoutes } from './reports/routes.js';
import { registerReviewRoutes } from './reviews/routes.js';
import { withoutReviewToken } from './reviews/tokens.js';
import { buildServices, type Services } from './services.js';
import { registerSlotRoutes } from './slots/routes.js';
import { registerStaffRoutes } from './staff/routes.js';
import { registerWebApp } from './webapp/routes.js';

export interface AppDeps {
  config: Config;
  /** The database requests run on (each request as its caller). */
  db: Database;
  logger?: FastifyServerOptions['logger'];
  /** The process's services (see services.ts); built from config and db when not given. */
  services?: Services;
}

/** The webhook endpoint, and the checkout page of the configured provider (the fake delivers its webhooks through this app). */
async function registerPayments(app: App, config: Config, services: Services): Promise<void> {
  const { paymentProvider: provider, orders } = services;
  await registerWebhookRoutes(app, services.webhooks);
  if (provider instanceof FakeProvider) {
    provider.connect(async (payload, headers) => app.inject({ method: 'POST', url: '/api/webhooks/bolt', payload, headers }));
    await registerFakeCheckoutRoutes(app, new FakeCheckout(provider, orders));
  } else if (provider instanceof BoltProvider) {
    registerBoltCheckoutRoutes(app, { publishableKey: provider.publishableKey, apiUrl: config.payments.boltApiUrl });
  }
}

/** Preferences and one-click unsubscribe; Twilio's STOP/START webhook when texts go through Twilio. */
async function registerNotifications(app: App, config: Config, services: Services): Promise<void> {
  await registerNotificationRoutes(app, services.notifications);
  if (config.sms.twilio) await registerTwilioWebhook(app, services.notifications, { authToken: config.sms.twilio.authToken, publicUrl: config.publicUrl });
}

const REQUEST_ID = /^[\w.-]{1,100}$/;

function createServer(deps: AppDeps): App {
  const compilers = lazyCompilers();
  const app = Fastify({
    logger: deps.logger ?? {
      level: deps.config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      // Fastify's request fields, with a review link's token left out of the URL.
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: withoutReviewToken(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
    bodyLimit: 100 * 1024,
    // Path parameters may be signed tokens: review links (~300 characters) and one-click
    // unsubscribe links (RFC 8058); every parameter is still held to its route's schema.
    routerOptions: { maxParamLength: 2048 },
    trustProxy: deps.config.env === 'production',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: ajvOptions,
    schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } },
    frameworkErrors,
    clientErrorHandler: clientErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('compileSchemas', compilers.compileAll);
  // Listening first, compiling after: /ready answers sooner, and no route waits long for its schemas.
  app.addHook('onListen', function (done) {
    void compilers.compileAll().catch((err: unknown) => app.log.error({ err }, 'a route schema does not compile'));
    done();
  });
  return app;
}

async function registerHttpBasics(app: App, config: Config): Promise<void> {
  requireAccessDeclarations(app);
  documentStandardErrors(app);
  registerErrorHandling(app, await registerWebApp(app, config.webDir));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(helmet, { global: true });
  await app.register(cors, {
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
}

function registerDocs(app: App, config: Config): void {
  app.addSchema(ErrorResponse);
  app.addSchema(AddressSchema);
  registerLazyDocs(app, config, [ErrorResponse, AddressSchema]);
}

/** Builds the HTTP app in plain steps; nothing here listens. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, db } = deps;
  const services = deps.services ?? buildServices(config, db);
  const app = createServer(deps);
  await registerHttpBasics(app, config);
  registerDocs(app, config);
  registerAccess(app, services.auth, db, config.refreshTokenTtl);

  registerHealthRoutes(app, db);
  registerAuthRoutes(app, services.auth);
  registerProfileRoutes(app, services.profiles);
  registerCreditRoutes(app, services.credits);
  registerCustomerRoutes(app, services.customers);
  registerCatalogRoutes(app, services.catalog);
  registerSlotRoutes(app, services.slots);
  registerStaffRoutes(app, services.staff);
  registerBookingRoutes(app, services.bookings, config.publicUrl);
  registerOrderRoutes(app, services.orders);
  await registerPayments(app, config, services);
  registerReferralRoutes(app, services.referrals);
  registerReviewRoutes(app, services.reviews);
  await registerNotifications(app, config, services);
  registerMessageRoutes(app, services.messages);
  registerReportRoutes(app, services.reports);
  return app;
}
