/**
 * The tracing channel names the rc packages publish (see each package's "Tracing" README section).
 * Kept here rather than imported so that @rc/otel depends on none of the packages it observes.
 */
export const rcChannels = {
  cache: {
    get: 'rc:cache:get',
    set: 'rc:cache:set',
    delete: 'rc:cache:delete',
    getOrSet: 'rc:cache:getOrSet',
    load: 'rc:cache:load',
    invalidate: 'rc:cache:invalidate',
    getMany: 'rc:cache:getMany',
    setMany: 'rc:cache:setMany',
    getOrSetMany: 'rc:cache:getOrSetMany',
  },
  tenantDb: {
    withTenant: 'rc:tenant-db:withTenant',
    query: 'rc:tenant-db:query',
  },
  posterClient: {
    call: 'rc:poster-client:call',
    attempt: 'rc:poster-client:attempt',
    limiter: 'rc:poster-client:limiter',
  },
  rateTiers: {
    decide: 'rc:rate-tiers:decide',
  },
} as const

export type RcPackage = keyof typeof rcChannels
