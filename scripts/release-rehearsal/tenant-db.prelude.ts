// What the README's quick start takes from the reader's app.
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    user?: { restaurantId: string }
  }
}
declare const admin: import('pg').Pool
declare const app: FastifyInstance
