import { Redis } from 'ioredis'

// Experiment only (not committed): every ioredis client in this process auto-pipelines.
;(Redis as unknown as { defaultOptions: Record<string, unknown> }).defaultOptions.enableAutoPipelining = true
await import('./server')
