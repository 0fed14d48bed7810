import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errors, Nullable, Timestamp } from '../http/schemas.js';
import { contentResponse } from '../http/openapi.js';
import type { App } from '../http/types.js';
import { escapeHtml } from '../messages/render.js';
import type { EmailPreference } from './rules.js';
import type { NotificationService } from './service.js';

const Switches = {
  reminder_email: Type.Boolean({ description: 'Session reminders by email' }),
  reminder_sms: Type.Boolean({ description: 'Session reminders by text (when texts are on)' }),
  review_requests: Type.Boolean({ description: 'A request for a review after a session' }),
  referral_news: Type.Boolean({ description: 'Referral invitations and rewards' }),
  sms_opt_in: Type.Boolean({ description: 'Texts at all (reminders, confirmations, changes); needs a phone number on the profile' }),
};

const NotificationsResponse = Type.Object({
  ...Switches,
  sms_opt_in_at: Nullable(Timestamp),
  phone: Nullable(Type.String()),
  sms_stopped: Type.Boolean({ description: 'The phone replied STOP: no texts until it replies START' }),
});

const NotificationsPatch = Type.Partial(Type.Object(Switches), { additionalProperties: false, minProperties: 1 });
const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 2000, pattern: '^[A-Za-z0-9_.-]+$' }) });

const security = [{ bearerAuth: [] }];

/** What each preference is called on the unsubscribe pages. */
const described: Record<EmailPreference, string> = {
  reminder_email: 'session reminders by email',
  review_requests: 'review requests',
  referral_news: 'referral news',
};

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>\n<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>\n`;
}

export async function registerNotificationRoutes(app: App, notifications: NotificationService): Promise<void> {
  app.get(
    '/api/me/notifications',
    { config: { access: 'signed_in' }, schema: { tags: ['profile'], security, summary: 'My notification preferences', response: { 200: NotificationsResponse, ...errors(401) } } },
    async (request) => notifications.mine(request.caller),
  );
  app.patch(
    '/api/me/notifications',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['profile'],
        security,
        summary: 'Change my notification preferences',
        description: 'Only the switches named change. Booking, payment and refund emails always go. 422 phone_required: texts need a phone number.',
        body: NotificationsPatch,
        response: { 200: NotificationsResponse, ...errors(400, 401, 422) },
      },
    },
    async (request) => notifications.update(request.caller, request.body as Parameters<NotificationService['update']>[1]),
  );

  // One-click unsubscribe (RFC 8058) takes a form body (List-Unsubscribe=One-Click) it ignores.
  await app.register(async (scope: FastifyInstance) => {
    scope.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 10_000 }, (_request, _body, done) => done(null, {}));
    scope.get(
      '/api/unsubscribe/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['notifications'],
          summary: 'The page of an email\'s unsubscribe link: one button that unsubscribes',
          description: 'Changes nothing by itself (mail scanners open links); the button POSTs.',
          params: TokenParams,
          response: { 200: contentResponse('text/html', 'A confirmation page'), ...errors(404) },
        },
      },
      async (request, reply) => {
        const { token } = request.params as { token: string };
        const { preference } = await notifications.describeUnsubscribe(token);
        const form = `<p>Stop getting ${escapeHtml(described[preference])}?</p><form method="post" action="/api/unsubscribe/${escapeHtml(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;
        return reply.type('text/html; charset=utf-8').send(page('Unsubscribe', form));
      },
    );
    scope.post(
      '/api/unsubscribe/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['notifications'],
          summary: 'One-click unsubscribe (RFC 8058), no sign-in: the signed token names the person and the kind',
          params: TokenParams,
          response: { 200: contentResponse('text/html', 'Unsubscribed'), ...errors(404) },
        },
      },
      async (request, reply) => {
        const { preference } = await notifications.unsubscribe((request.params as { token: string }).token);
        return reply.type('text/html; charset=utf-8').send(page('Unsubscribed', `<p>You will no longer get ${escapeHtml(described[preference])}. Booking and payment emails still come.</p>`));
      },
    );
  });
}
