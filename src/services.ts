import { AuthService } from './auth/service.js';
import { AccessTokens } from './auth/tokens.js';
import { BookingService } from './bookings/service.js';
import { CatalogService } from './catalog/service.js';
import type { Config } from './config.js';
import { CreditService } from './credits/service.js';
import { CustomerService } from './customers/service.js';
import { MessageWorker, type MessagePorts, type WorkerSettings } from './jobs/worker.js';
import { MessageService } from './messages/service.js';
import { compose } from './messages/compose.js';
import { createRenderer } from './messages/render.js';
import { createMailer } from './messages/transports/mail.js';
import { createSmsSender } from './messages/transports/sms.js';
import type { Database } from './db/index.js';
import type { PaymentProvider } from './orders/payment-provider.js';
import { OrderService } from './orders/service.js';
import { createPaymentProvider } from './payments/create.js';
import { PaymentWebhooks } from './payments/service.js';
import { NotificationService } from './notifications/service.js';
import { ProfileService } from './profiles/service.js';
import { ReferralService } from './referrals/service.js';
import { ReportService } from './reports/service.js';
import { ReviewService } from './reviews/service.js';
import { ReviewLinks } from './reviews/tokens.js';
import { SlotService } from './slots/service.js';
import { StaffService } from './staff/service.js';

/** The services of one process: the HTTP app, the upkeep schedules and the CLI commands share these. */
export interface Services {
  auth: AuthService;
  profiles: ProfileService;
  credits: CreditService;
  customers: CustomerService;
  catalog: CatalogService;
  slots: SlotService;
  staff: StaffService;
  /** The configured provider (or the override): the one orders charge and refund through. */
  paymentProvider: PaymentProvider;
  orders: OrderService;
  bookings: BookingService;
  webhooks: PaymentWebhooks;
  referrals: ReferralService;
  /** Signs and checks review links: `reviewLinks.link({ bookingId, userId })` (review_request messages). */
  reviewLinks: ReviewLinks;
  reviews: ReviewService;
  /** Preferences, one-click unsubscribe, STOP, and whether a message may be sent (mayDeliver). */
  notifications: NotificationService;
  messages: MessageService;
  /** Reports for admins (GET /api/admin/reports/:name). */
  reports: ReportService;
  /** Sends the message log's due rows (started by the server unless WORKER=off, or by `recovery worker`). */
  messageWorker: MessageWorker;
}

export interface ServiceOverrides {
  /** For tests and benches: a payment provider other than the configured one. */
  paymentProvider?: PaymentProvider;
  /** For tests: the renderer and transports the message worker sends through. */
  messagePorts?: MessagePorts;
}

/** The one composition root: each service gets the few things it uses. Nothing here opens a connection. */
export function buildServices(config: Config, db: Database, overrides: ServiceOverrides = {}): Services {
  const tokens = new AccessTokens({
    secret: config.jwtSecret,
    accessTokenTtl: config.accessTokenTtl,
    jwks: config.authJwksUrl ? { url: config.authJwksUrl } : undefined,
  });
  const paymentProvider = overrides.paymentProvider ?? createPaymentProvider(config);
  const orders = new OrderService(db, paymentProvider);
  const reviewLinks = new ReviewLinks({ secret: config.jwtSecret, publicUrl: config.publicUrl });
  const notifications = new NotificationService(db, { secret: config.jwtSecret, smsEnabled: config.sms.provider !== 'off' });
  return {
    auth: new AuthService(db, tokens, {
      refreshTokenTtl: config.refreshTokenTtl,
      refreshTokenReuseInterval: config.refreshTokenReuseInterval,
      rateLimitPerMinute: config.authRateLimitPerMinute,
    }),
    profiles: new ProfileService(db),
    credits: new CreditService(db),
    customers: new CustomerService(db),
    catalog: new CatalogService(db),
    slots: new SlotService(db),
    staff: new StaffService(db),
    paymentProvider,
    orders,
    bookings: new BookingService(db, orders),
    webhooks: new PaymentWebhooks(db, config.payments.signingSecret),
    referrals: new ReferralService(db, { publicUrl: config.publicUrl, invitesPerDay: config.referralInvitesPerDay }),
    reviewLinks,
    reviews: new ReviewService(db, reviewLinks, config.publicUrl),
    notifications,
    messages: new MessageService(db),
    reports: new ReportService(db),
    messageWorker: new MessageWorker(db, overrides.messagePorts ?? messagePorts(config, notifications, reviewLinks), workerSettings(config)),
  };
}

/** How the server's message worker runs (batches of 50, the configured retries and lease). */
export function workerSettings(config: Config): WorkerSettings {
  return {
    maxAttempts: config.messages.maxAttempts,
    retryBaseSeconds: config.messages.retrySeconds,
    leaseSeconds: config.messages.leaseSeconds,
    pollMs: config.messages.pollMs,
    batchSize: 50,
    publicUrl: config.publicUrl,
  };
}

/**
 * What the worker sends through: each kind's data composed at send time (links signed then), the
 * renderer, SMTP or `.eml` files (DATA_DIR/mail), Twilio or the fake text log, and the customer's
 * preferences asked right before each send.
 */
function messagePorts(config: Config, notifications: NotificationService, reviewLinks: ReviewLinks): MessagePorts {
  return {
    render: createRenderer({ secret: config.jwtSecret }),
    mailer: createMailer(config.mail, config.dataDir),
    sms: createSmsSender(config.sms, config.dataDir),
    compose: (message) => compose(message, { publicUrl: config.publicUrl, reviewLinks }),
    mayDeliver: (m) => notifications.mayDeliver(m),
  };
}
