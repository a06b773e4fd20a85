import type { ErrorEvent, EventHint, NodeOptions } from '@sentry/node'
import type { AppConfig } from '../config'
import { scrubEvent } from './scrub'

/** What an error is about: Sentry tags (and the admin page's columns). */
export interface ErrorTags {
  /** The tenant (restaurant id). */
  restaurant?: string
  userId?: number
  /** The job's name and id, for job errors. */
  job?: { name: string; id: string; attempt: number; final: boolean }
  posterAccount?: string
  /** `request` or `job`. */
  kind: 'request' | 'job'
  /** The route (`GET /api/restaurants/:restaurantId/checklist`) or `job sync`. */
  where: string
  /** HTTP method, route and status of a request error. */
  request?: { method: string; route: string; status: number }
}

/** Sentry as the app uses it; one per process, shared by every runtime in it (tests start several). */
export interface SentrySink {
  /** Sends the error with its tags and trace id; `secrets` are scrubbed from the event. Returns the event id. */
  capture(error: unknown, tags: ErrorTags, traceId: string, secrets: readonly string[]): string
  /** Waits (at most `timeoutMs`) for queued events to be sent. */
  flush(timeoutMs?: number): Promise<boolean>
  /** Flushes; the last runtime to close shuts the SDK down. */
  close(timeoutMs?: number): Promise<void>
}

interface Shared {
  dsn: string
  users: number
  sdk: typeof import('@sentry/node')
}
let shared: Shared | undefined

/**
 * Starts Sentry when SENTRY_DSN is set (undefined otherwise: the SDK is not even loaded, so nothing is
 * sent and nothing is patched). No tracing, no auto-instrumentation, no OpenTelemetry provider of its
 * own (`enableOpenTelemetrySetup: false`, v11's default, stated here): src/telemetry/otel.ts owns the
 * NodeSDK when it runs, and Sentry only reads the active span's trace id through the caller.
 */
export async function startSentry(
  config: AppConfig,
  options: { globalSecrets: readonly string[] },
): Promise<SentrySink | undefined> {
  if (!config.sentry) return undefined
  const { dsn, environment, release } = config.sentry
  if (shared && shared.dsn !== dsn)
    throw new Error('[restaurant-app] Sentry is already started in this process with another SENTRY_DSN.')
  if (!shared) {
    const sdk = await import('@sentry/node')
    const init: NodeOptions = {
      dsn,
      environment,
      ...(release ? { release } : {}),
      enableOpenTelemetrySetup: false,
      // No module hooks: the app reports its errors itself and leaves instrumentation to OpenTelemetry.
      enableRuntimeChannelInjection: false,
      // Errors only, with the few integrations that describe an error; none that reads requests,
      // consoles, local variables or modules.
      defaultIntegrations: false,
      integrations: [
        sdk.eventFiltersIntegration(),
        sdk.functionToStringIntegration(),
        sdk.linkedErrorsIntegration(),
        sdk.contextLinesIntegration(),
        sdk.nodeContextIntegration(),
        sdk.onUncaughtExceptionIntegration(),
        sdk.onUnhandledRejectionIntegration(),
      ],
      // v11's replacement for `sendDefaultPii: false`, every category off.
      dataCollection: {
        userInfo: false,
        cookies: false,
        httpHeaders: false,
        httpBodies: [],
        urlQueryParams: false,
        databaseQueryData: false,
        queues: false,
        stackFrameVariables: false,
      },
      sendClientReports: false,
      beforeSend: (event: ErrorEvent, hint: EventHint) => {
        const secrets = (hint.data as { secrets?: readonly string[] } | undefined)?.secrets ?? []
        return scrubEvent(event, [...options.globalSecrets, ...secrets])
      },
      beforeBreadcrumb: () => null,
    }
    sdk.init(init)
    shared = { dsn, users: 0, sdk }
  }
  const mine = shared
  mine.users++
  const { sdk } = mine
  let closed = false

  return {
    capture(error, tags, traceId, secrets) {
      return sdk.withScope((scope) => {
        // This event's trace: the active OpenTelemetry span's, or a fresh one (set by the caller).
        scope.setPropagationContext({ traceId, sampleRand: Math.random() })
        scope.setTags({
          kind: tags.kind,
          where: tags.where,
          ...(tags.restaurant ? { restaurant: tags.restaurant } : {}),
          ...(tags.userId !== undefined ? { user_id: String(tags.userId) } : {}),
          ...(tags.posterAccount ? { poster_account: tags.posterAccount } : {}),
          ...(tags.job
            ? {
                job: tags.job.name,
                job_id: tags.job.id,
                job_attempt: String(tags.job.attempt),
                job_final: String(tags.job.final),
              }
            : {}),
          ...(tags.request ? { status: String(tags.request.status) } : {}),
        })
        if (tags.userId !== undefined) scope.setUser({ id: String(tags.userId) })
        // A job attempt that will be retried is a warning; the last one, and any request, an error.
        scope.setLevel(tags.job && !tags.job.final ? 'warning' : 'error')
        if (tags.request) scope.setTransactionName(`${tags.request.method} ${tags.request.route}`)
        return scope.captureException(error, { data: { secrets } })
      })
    },
    flush: (timeoutMs = 2_000) => sdk.flush(timeoutMs),
    async close(timeoutMs = 2_000) {
      if (closed) return
      closed = true
      mine.users--
      if (mine.users > 0 || shared !== mine) {
        await sdk.flush(timeoutMs)
        return
      }
      shared = undefined
      await sdk.close(timeoutMs)
    },
  }
}
