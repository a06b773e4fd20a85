import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { QueueUnavailableError } from '../jobs/queue'

/** An error with an HTTP status and a stable code, answered as `{ error, code, message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Sent as Retry-After (429 and 503 answers; 503 defaults to 5 s). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
  }
}

export const unauthorized = () => new HttpError(401, 'UNAUTHENTICATED', 'Log in first: no valid session.')
export const forbidden = (what = 'this restaurant') =>
  new HttpError(403, 'FORBIDDEN', `Your account has no access to ${what} with the role this needs.`)
export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} does not exist.`)

/** The store that holds sessions did not answer: nobody can tell whether a session is valid, so not 401. */
export class SessionStoreUnavailableError extends HttpError {
  constructor(what: string) {
    super(
      503,
      'SESSION_STORE_UNAVAILABLE',
      `${what}: the session store is not answering; try again in a few seconds.`,
    )
  }
}

export const errorBody = z.object({
  error: z.string(),
  code: z.string(),
  message: z.string(),
  fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
})

/**
 * One error shape for the whole API; validation failures list each field. `onServerError` hears of
 * every unexpected error answered 5xx (not the 503s the API means, such as a session store away).
 */
export function installErrorHandler(
  app: FastifyInstance,
  onServerError?: (error: unknown, request: FastifyRequest, status: number) => void,
): void {
  app.setErrorHandler((error: FastifyError | HttpError | QueueUnavailableError, request, reply) => {
    if (error instanceof HttpError) {
      const retryAfter = error.retryAfterSeconds ?? (error.status === 503 ? 5 : undefined)
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
      return reply
        .code(error.status)
        .send({ error: STATUS_CODES[error.status] ?? 'Error', code: error.code, message: error.message })
    }
    if (error instanceof QueueUnavailableError) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'Service Unavailable', code: 'QUEUE_UNAVAILABLE', message: error.message })
    }
    if ('validation' in error && error.validation) {
      const where = error.validationContext ?? 'request'
      const fields = error.validation.map((issue) => ({
        path: [
          where,
          ...String(issue.instancePath ?? '')
            .split('/')
            .filter(Boolean),
        ].join('.'),
        message: issue.message ?? 'is invalid',
      }))
      return reply.code(400).send({
        error: 'Bad Request',
        code: 'VALIDATION_FAILED',
        message: fields.map((f) => `${f.path}: ${f.message}`).join('; '),
        fields,
      })
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed')
      onServerError?.(error, request, status)
    }
    return reply.code(status).send({
      error: STATUS_CODES[status] ?? 'Error',
      code: status >= 500 ? 'INTERNAL' : (error.code ?? 'BAD_REQUEST'),
      message: status >= 500 ? 'Something went wrong on our side; it has been logged.' : error.message,
    })
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  )
}

/**
 * Fastify's errors raised before routing (`FST_ERR_BAD_URL`, `FST_ERR_MAX_PARAM_LENGTH`), in the API's
 * shape rather than Fastify's (which adds `statusCode` and calls a 414 a "Bad Request").
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 400
  void reply.code(status).send({
    error: STATUS_CODES[status] ?? 'Error',
    code: error.code ?? 'BAD_REQUEST',
    message: error.message,
  })
}

/** Requests Node's HTTP parser refuses before Fastify sees them: headers too large (431), malformed (400). */
export function clientErrors(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts (16 KiB).']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive.']
        : [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP.']
  const body = JSON.stringify({ error: STATUS_CODES[status], code, message })
  if (!socket.writable) return void socket.destroy()
  // end(), not destroy(): the answer must reach the client before the connection closes.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
  )
}
