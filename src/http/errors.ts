import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, fromDatabaseError, type ErrorBody } from '../errors.js';
import type { App } from './types.js';

const codesByStatus: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

function send(reply: FastifyReply, err: AppError): FastifyReply {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  if (err.headers) reply.headers(err.headers);
  return reply.status(err.status).send(body);
}

/** Turns anything thrown into the one error shape. */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const fromDb = fromDatabaseError(err);
  if (fromDb) return fromDb;
  const e = err as FastifyError;
  if (e.validation) {
    const details = e.validation.map((v) => ({
      field: v.instancePath ? v.instancePath.slice(1).replace(/\//g, '.') : (v.params as { missingProperty?: string })?.missingProperty ?? '',
      in: e.validationContext,
      message: v.message,
    }));
    return new AppError(400, 'validation_failed', `Invalid request ${e.validationContext ?? 'input'}`, details);
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message =
      e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
        ? 'Malformed JSON body'
        : e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'Request body is too large'
          : status === 414
            ? 'A path parameter is too long' // Fastify's message would echo the whole path
            : e.message;
    return new AppError(status, codesByStatus[status] ?? 'bad_request', message);
  }
  return undefined;
}

/**
 * Errors Fastify raises before routing (a malformed %-escape in the path, FST_ERR_BAD_URL),
 * answered in the same shape (the `frameworkErrors` server option).
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = toAppError(err) ?? new AppError(400, 'validation_failed', 'Malformed request');
  void send(reply, known.status >= 500 ? new AppError(400, 'validation_failed', 'Malformed request') : known);
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers too large, a
 * malformed request line), answered in the one error shape (the `clientErrorHandler` option).
 */
export function clientErrors(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'header_too_large', 'Request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request took too long to arrive']
        : [400, 'bad_request', 'Malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** A not-found fallback that answers some requests itself (the web app's client routes); undefined = not mine. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;

export function registerErrorHandling(app: App, fallback?: NotFoundFallback): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(err);
    if (known) {
      if (known.status >= 500) request.log.error({ err }, 'request failed');
      return send(reply, known);
    }
    request.log.error({ err }, 'unhandled error');
    return send(reply, new AppError(500, 'internal', 'Something went wrong on our side'));
  });
  app.setNotFoundHandler((request, reply) => fallback?.(request, reply) ?? send(reply, new AppError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`)));
}
