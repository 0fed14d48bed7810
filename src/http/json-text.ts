import type { FastifyReply } from 'fastify';

/**
 * Sends a response body the database wrote as JSON text (an `api` function's result), as it is:
 * Fastify sends a string with a JSON content type without serializing it again, as PostgREST
 * does. The function answers in the route's documented shape (test/api/list-responses.test.ts).
 */
export function sendJsonText<R extends object>(reply: R, text: string): R {
  (reply as unknown as FastifyReply).type('application/json; charset=utf-8').send(text);
  return reply;
}
