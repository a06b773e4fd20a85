import { JOB_ATTEMPTS, type JobContext, type JobHandlers, PermanentJobError } from '../jobs/queue'
import type { ErrorReports } from './error-reports'

/**
 * The job handlers, each failed attempt reported (name, id, attempt, whether it is the last, the user
 * who asked for it when one did) before the error goes back to the queue, which retries it as before.
 * Wrapping the handlers rather than a queue's events covers BullMQ and the in-process runner alike,
 * and keeps the thrown error itself.
 */
export function reportJobErrors(handlers: JobHandlers, reports: ErrorReports): JobHandlers {
  function watch<T>(
    name: string,
    context: JobContext,
    data: { restaurantId: string; requestedBy?: number } | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    return run().catch((error: unknown) => {
      const final = error instanceof PermanentJobError || context.attempt >= JOB_ATTEMPTS
      reports.report(error, {
        kind: 'job',
        where: `job ${name}`,
        ...(data ? { restaurant: data.restaurantId } : {}),
        ...(data?.requestedBy !== undefined ? { userId: data.requestedBy } : {}),
        job: { name, id: context.id, attempt: context.attempt, final },
      })
      throw error
    })
  }
  return {
    sync: (data, context) => watch('sync', context, data, () => handlers.sync(data, context)),
    pushSupply: (data, context) =>
      watch('poster-supply', context, data, () => handlers.pushSupply(data, context)),
    syncAll: (context) => watch('sync-all', context, undefined, () => handlers.syncAll(context)),
    tokenCheck: (context) => watch('token-check', context, undefined, () => handlers.tokenCheck(context)),
  }
}
