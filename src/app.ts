import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { registerAuthRoutes } from './auth/routes.js';
import { AuthService } from './auth/service.js';
import { AccessTokens } from './auth/tokens.js';
import type { Config } from './config.js';
import { registerCreditRoutes } from './credits/routes.js';
import { registerCustomerRoutes } from './customers/routes.js';
import { CustomerService } from './customers/service.js';
import { CreditService } from './credits/service.js';
import type { Database } from './db/index.js';
import { registerAccess, requireAccessDeclarations } from './http/access.js';
import { registerLazyDocs } from './http/docs.js';
import { documentStandardErrors } from './http/openapi.js';
import { clientErrors, frameworkErrors, registerErrorHandling } from './http/errors.js';
import { ErrorResponse } from './http/schemas.js';
import type { App } from './http/types.js';
import { ajvOptions, lazyCompilers } from './http/validation.js';
import { registerBookingRoutes } from './bookings/routes.js';
import { BookingService } from './bookings/service.js';
import { registerCatalogRoutes } from './catalog/routes.js';
import { CatalogService } from './catalog/service.js';
import { registerHealthRoutes } from './health/routes.js';
import { registerOrderRoutes } from './orders/routes.js';
import { OrderService } from './orders/service.js';
import { BoltProvider } from './payments/bolt.js';
import { FakeCheckout } from './payments/checkout.js';
import { registerBoltCheckoutRoutes, registerFakeCheckoutRoutes } from './payments/checkout-routes.js';
import { FakeProvider } from './payments/fake.js';
import type { PaymentProvider } from './payments/provider.js';
import { createPaymentProvider } from './payments/create.js';
import { registerWebhookRoutes } from './payments/routes.js';
import { PaymentWebhooks } from './payments/service.js';
import { registerReferralRoutes } from './referrals/routes.js';
import { ReferralService } from './referrals/service.js';
import { registerSlotRoutes } from './slots/routes.js';
import { SlotService } from './slots/service.js';
import { AddressSchema, registerProfileRoutes } from './profiles/routes.js';
import { registerStaffRoutes } from './staff/routes.js';
import { StaffService } from './staff/service.js';
import { ProfileService } from './profiles/service.js';

export interface AppDeps {
  config: Config;
  /** The database requests run on (each request as its caller). */
  db: Database;
  logger?: FastifyServerOptions['logger'];
  /** For tests: a payment provider other than the configured one. */
  paymentProvider?: PaymentProvider;
}

/** The configured provider; the fake one delivers its webhooks through this app. */
async function registerPayments(app: App, deps: AppDeps, orders: OrderService, provider: PaymentProvider): Promise<void> {
  const { config, db } = deps;
  await registerWebhookRoutes(app, new PaymentWebhooks(db, orders, config.payments.signingSecret));
  if (provider instanceof FakeProvider) {
    provider.connect(async (payload, headers) => app.inject({ method: 'POST', url: '/api/webhooks/bolt', payload, headers }));
    await registerFakeCheckoutRoutes(app, new FakeCheckout(db, provider, orders));
  } else if (provider instanceof BoltProvider) {
    registerBoltCheckoutRoutes(app, { publishableKey: provider.publishableKey, apiUrl: config.payments.boltApiUrl });
  }
}

const REQUEST_ID = /^[\w.-]{1,100}$/;

function createServer(deps: AppDeps): App {
  const compilers = lazyCompilers();
  const app = Fastify({
    logger: deps.logger ?? {
      level: deps.config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    },
    bodyLimit: 100 * 1024,
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
  registerErrorHandling(app);
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
  const app = createServer(deps);
  await registerHttpBasics(app, config);
  registerDocs(app, config);

  const tokens = new AccessTokens({
    secret: config.jwtSecret,
    accessTokenTtl: config.accessTokenTtl,
    jwks: config.authJwksUrl ? { url: config.authJwksUrl } : undefined,
  });
  const auth = new AuthService(db, tokens, {
    refreshTokenTtl: config.refreshTokenTtl,
    rateLimitPerMinute: config.authRateLimitPerMinute,
  });
  registerAccess(app, auth, db, config.refreshTokenTtl);

  registerHealthRoutes(app, db);
  registerAuthRoutes(app, auth);
  registerProfileRoutes(app, new ProfileService(db));
  registerCreditRoutes(app, new CreditService(db));
  registerCustomerRoutes(app, new CustomerService(db));
  registerCatalogRoutes(app, new CatalogService(db));
  registerSlotRoutes(app, new SlotService(db));
  registerStaffRoutes(app, new StaffService(db));

  const provider = deps.paymentProvider ?? createPaymentProvider(config);
  const orders = new OrderService(db, provider);
  registerBookingRoutes(app, new BookingService(db, orders), config.publicUrl);
  registerOrderRoutes(app, orders);
  await registerPayments(app, deps, orders, provider);
  registerReferralRoutes(app, new ReferralService(db, { publicUrl: config.publicUrl, invitesPerDay: config.referralInvitesPerDay }));
  return app;
}
