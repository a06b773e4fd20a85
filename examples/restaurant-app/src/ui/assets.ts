import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'

// The UI's one stylesheet and one script, read once at start: no build step, served with an ETag.
const FILES = {
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
}

export function assetRoutes(app: FastifyInstance): void {
  // Browsers ask for it on every site; there is none, and a 404 in the console looks like a fault.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send())
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(`./assets/${file}`, import.meta.url))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      reply.header('etag', etag).header('cache-control', 'no-cache')
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(type).send(body)
    })
  }
}
