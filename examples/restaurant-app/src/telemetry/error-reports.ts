import type { TokenCipher } from '@rc/poster-client/tokens'
import type pino from 'pino'
import type { AppConfig } from '../config'
import type { Restaurant } from '../restaurants/repository'
import type { RecentErrors } from './recent-errors'
import { scrubText } from './scrub'
import type { ErrorTags, SentrySink } from './sentry'
import { activeTraceId, newTraceId } from './trace-id'

/** Where unhandled errors go: Sentry (with SENTRY_DSN), the admin page's recent errors, the log. */
export interface ErrorReports {
  /**
   * Reports an error in the background (never throws, never delays the caller) and returns its trace
   * id: the active OpenTelemetry span's, else a fresh one that Sentry gets as the event's trace.
   * `secrets` (a session token, a password from the body...) are scrubbed along with the
   * restaurant's Poster token and the deployment's own secrets.
   */
  report(error: unknown, tags: ErrorTags, secrets?: readonly string[]): string
  /** Resolves once every report started so far is recorded and sent (or failed). */
  settled(): Promise<void>
  /** Waits for the reports in flight, then flushes Sentry (at most about 2 s). */
  close(): Promise<void>
  /** Whether errors also go to Sentry (SENTRY_DSN set). */
  readonly sentry: boolean
}

// An error storm (a database down for every request) must not pile up work: past this many reports in
// flight, errors still go to Sentry (its own queue is bounded) but skip the lookup and the table.
const MAX_IN_FLIGHT = 64

export function createErrorReports(options: {
  sentry: SentrySink | undefined
  recent: RecentErrors
  log: pino.Logger
  restaurants: { get(id: string): Promise<Restaurant | undefined> }
  cipher: TokenCipher
  globalSecrets: readonly string[]
}): ErrorReports {
  const { sentry, recent, log } = options
  const inFlight = new Set<Promise<void>>()

  async function restaurantOf(id: string | undefined) {
    if (!id) return undefined
    try {
      const restaurant = await options.restaurants.get(id)
      if (!restaurant) return undefined
      let token: string | undefined
      try {
        token = options.cipher.decrypt(restaurant.tokenCiphertext)
      } catch {
        // A token under a retired key: nothing to scrub by value, the Poster-token shape still is.
      }
      return { id: restaurant.id, posterAccount: restaurant.posterAccount, token }
    } catch {
      return undefined // the database may be what failed: report without the account
    }
  }

  async function deliver(error: unknown, tags: ErrorTags, traceId: string, secrets: readonly string[]) {
    const restaurant = await restaurantOf(tags.restaurant)
    const allSecrets = [
      ...options.globalSecrets,
      ...secrets,
      ...(restaurant?.token ? [restaurant.token] : []),
    ]
    const full: ErrorTags = {
      ...tags,
      ...(restaurant ? { posterAccount: restaurant.posterAccount } : {}),
    }
    const eventId = sentry?.capture(error, full, traceId, allSecrets)
    const message = scrubText(messageOf(error), allSecrets)
    log.warn(
      { traceId, where: tags.where, restaurant: tags.restaurant, job: tags.job?.id, message },
      'error reported',
    )
    try {
      await recent.record({
        // An id that names no restaurant (a deleted one, an admin URL's) is kept with the untied errors.
        restaurantId: restaurant?.id ?? null,
        kind: tags.kind,
        where: tags.where,
        message,
        traceId,
        sentryEventId: eventId ?? null,
        userId: tags.userId ?? null,
        jobId: tags.job?.id ?? null,
      })
    } catch (recordError) {
      log.warn({ err: recordError, traceId }, 'could not record the error for the admin page')
    }
  }

  return {
    sentry: sentry !== undefined,
    report(error, tags, secrets = []) {
      const traceId = activeTraceId() ?? newTraceId()
      if (inFlight.size >= MAX_IN_FLIGHT) {
        sentry?.capture(error, tags, traceId, [...options.globalSecrets, ...secrets])
        return traceId
      }
      const task = deliver(error, tags, traceId, secrets)
        .catch((failure) => log.warn({ err: failure }, 'error report failed'))
        .finally(() => inFlight.delete(task))
      inFlight.add(task)
      return traceId
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
    async close() {
      await this.settled()
      await sentry?.close()
    },
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/** The deployment's own secrets, scrubbed from every report: keys, app secret, ops token, URL passwords. */
export function deploymentSecrets(config: AppConfig): string[] {
  const passwordOf = (url: string | undefined) => {
    if (!url) return []
    try {
      const password = decodeURIComponent(new URL(url).password)
      return password ? [password] : []
    } catch {
      return []
    }
  }
  return [
    config.posterAppSecret,
    ...(config.opsToken ? [config.opsToken] : []),
    ...Object.values(config.tokenKeys.keys),
    ...passwordOf(config.databaseUrl),
    ...passwordOf(config.appDatabaseUrl),
    ...passwordOf(config.redisUrl),
  ]
}
