import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { errors } from '../http/schemas.js';
import { contentResponse } from '../http/openapi.js';
import type { App } from '../http/types.js';
import { verifyTwilioSignature } from '../messages/transports/twilio-signature.js';
import type { NotificationService } from './service.js';

/** Twilio's standard opt-out and opt-in keywords (a whole message, any case). */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const START_WORDS = new Set(['START', 'YES', 'UNSTOP']);

/** STOP, START or neither, from Twilio's OptOutType (Advanced Opt-Out) or the message itself. */
export function replyKeyword(params: Record<string, string>): 'stop' | 'start' | undefined {
  const type = params.OptOutType?.toUpperCase();
  if (type === 'STOP' || type === 'START') return type === 'STOP' ? 'stop' : 'start';
  const word = (params.Body ?? '').trim().replace(/\s+/g, ' ').toUpperCase();
  return STOP_WORDS.has(word) ? 'stop' : START_WORDS.has(word) ? 'start' : undefined;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * POST /api/webhooks/twilio/sms: incoming texts. Signed by Twilio (X-Twilio-Signature over the
 * URL it called, `publicUrl` + path, and the form parameters); STOP and START are recorded, the
 * rest ignored. Answers empty TwiML: Twilio itself confirms STOP/START to the sender.
 */
export async function registerTwilioWebhook(app: App, notifications: NotificationService, options: { authToken: string; publicUrl: string }): Promise<void> {
  await app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.post(
      '/api/webhooks/twilio/sms',
      {
        config: { access: 'public' },
        schema: {
          tags: ['notifications'],
          summary: 'Twilio incoming SMS: STOP and START',
          description: 'Verified by X-Twilio-Signature (HMAC-SHA1 with the auth token over the URL and the sorted parameters).',
          response: { 200: contentResponse('text/xml', 'Empty TwiML'), ...errors(400, 401, 415) },
        },
      },
      async (request, reply) => {
        const params = (request.body ?? {}) as Record<string, string>;
        if (!verifyTwilioSignature(options.authToken, `${options.publicUrl}${request.url}`, params, request.headers['x-twilio-signature'])) {
          throw new AppError(401, 'invalid_signature', 'The X-Twilio-Signature does not match');
        }
        const keyword = replyKeyword(params);
        if (keyword && params.From) await notifications.recordSmsReply(params.From, keyword === 'stop');
        return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML);
      },
    );
  });
}
