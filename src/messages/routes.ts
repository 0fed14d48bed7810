import { Type } from 'typebox';
import { sendJsonText } from '../http/json-text.js';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import { MESSAGE_STATUSES, type MessageStatus } from './repository.js';
import type { MessageService } from './service.js';
import { MESSAGE_KINDS, type MessageKind } from './types.js';

const Status = Type.Unsafe<MessageStatus>({ type: 'string', enum: [...MESSAGE_STATUSES] });
const Kind = Type.Unsafe<MessageKind>({ type: 'string', enum: [...MESSAGE_KINDS] });

const Message = Type.Object({
  id: Uuid,
  kind: Kind,
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  user_id: Nullable(Uuid),
  booking_id: Nullable(Uuid),
  order_id: Nullable(Uuid),
  recipient: Type.String(),
  status: Status,
  attempts: Type.Integer(),
  provider_id: Nullable(Type.String()),
  last_error: Nullable(Type.String()),
  send_after: Timestamp,
  data: Type.Record(Type.String(), Type.Unknown()),
  idempotency_key: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  sent_at: Nullable(Timestamp),
});

export function registerMessageRoutes(app: App, messages: MessageService): void {
  app.get(
    '/api/admin/messages',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'The message log, newest first (admins): every email and text with its status and attempts',
        querystring: Type.Object(
          {
            status: Type.Optional(Status),
            kind: Type.Optional(Kind),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(Message), total: Type.Integer() }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => sendJsonText(reply, await messages.list(request.caller, request.query)),
  );

  app.post(
    '/api/admin/messages/:id/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'Send a failed message again (admins): back to pending, attempts reset',
        params: Type.Object({ id: Uuid }),
        response: {
          200: Type.Object({ id: Uuid, kind: Kind, status: Status, attempts: Type.Integer(), send_after: Timestamp }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => messages.retry(request.caller, request.params.id),
  );
}
