import { register } from 'node:module'

// The ESM modules the instrumentations patch. Only these go through import-in-the-middle: wrapping
// every module (the hook's default, the app's own included) costs CPU on every imported binding.
const PATCHED = ['fastify', 'ioredis', 'pg', 'pg-pool']

/** OpenTelemetry's ESM loader hook, so that `import` of the patched libraries is instrumented too. */
export function registerEsmHook(): void {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: PATCHED } })
}
