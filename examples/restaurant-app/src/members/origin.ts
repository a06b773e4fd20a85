import type { FastifyRequest } from 'fastify'
import type { Runtime } from '../runtime'

/** This site's origin for links given out (invitations, Poster's redirect): PUBLIC_URL, else the request's. */
export function publicOrigin(runtime: Runtime, request: FastifyRequest): string {
  return runtime.config.publicUrl ?? `${request.protocol}://${request.host}`
}
