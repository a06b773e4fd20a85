// What the README's quick start takes from the reader's app.
import type { FastifyInstance, RouteHandlerMethod } from 'fastify'
import type { Redis } from 'ioredis'

declare module 'fastify' {
  interface FastifyRequest {
    user: { locationId?: string; plan: string }
  }
}
declare const redis: Redis
declare const app: FastifyInstance
declare const handler: RouteHandlerMethod
