import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance } from 'fastify'
import { z } from 'zod'
import { QueueUnavailableError } from '../jobs/queue'

/** An error with an HTTP status and a stable code, answered as `{ error, code, message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const unauthorized = () => new HttpError(401, 'UNAUTHENTICATED', 'Log in first: no valid session.')
export const forbidden = (what = 'this restaurant') =>
  new HttpError(403, 'FORBIDDEN', `Your account has no access to ${what} with the role this needs.`)
export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} does not exist.`)

export const errorBody = z.object({
  error: z.string(),
  code: z.string(),
  message: z.string(),
  fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
})

/** One error shape for the whole API; validation failures list each field. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | QueueUnavailableError, request, reply) => {
    if (error instanceof HttpError) {
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
    if (status >= 500) request.log.error({ err: error }, 'request failed')
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
