import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { assertClient, type Client } from './redis-client'
import type { BusMessage, CacheBus } from './types'

export interface RedisBusOptions {
  /** Publishes on this client. */
  client: Client
  /**
   * Subscribes on this one. Default: a duplicate of `client`, opened and closed by the bus. Give one
   * you pass `autoResubscribe: false`: the bus subscribes itself on every connection.
   */
  subscriber?: Client
  /** Pub/Sub channel. Default `'rc:cache:bus'`. */
  channel?: string
}

// Delay before subscribing again when SUBSCRIBE failed on a connection that still looks ready.
const RETRY_MS = 100

/**
 * Invalidation bus on Redis Pub/Sub. Messages name stored keys, patterns or
 * tags, so instances drop those from l1. The bus subscribes itself on every
 * connection its subscriber makes (a failover's new primary included), not
 * relying on ioredis's offline queue or auto-resubscribe; when the
 * subscription drops and when it is back (messages may have been missed)
 * each instance drops its whole l1.
 */
export function redisBus(options: RedisBusOptions): CacheBus {
  assertClient(options?.client, 'redisBus')
  const { client } = options
  const channel = options.channel ?? 'rc:cache:bus'
  const instance = randomUUID()
  const owned = options.subscriber === undefined
  let subscriber: Client | undefined
  let detach = () => {}
  let closed = false

  return {
    subscribe(onMessage, onReconnect) {
      const sub = options.subscriber ?? ownSubscriber(client)
      subscriber = sub
      // Subscribed on the current connection; subscribed on an earlier one.
      let live = false
      let joinedOnce = false
      let retry: NodeJS.Timeout | undefined
      let joined: () => void = () => {}
      const first = new Promise<void>((resolve) => {
        joined = resolve
      })

      // With enableOfflineQueue: false a SUBSCRIBE sent before the connection
      // is ready is rejected, and ioredis only renews subscriptions that were
      // live when the connection dropped: so subscribe on every 'ready'.
      const join = () => {
        if (closed || live || sub.status !== 'ready') return
        sub.subscribe(channel).then(
          () => {
            if (closed || live) return
            live = true
            if (joinedOnce) onReconnect()
            joinedOnce = true
            joined()
          },
          () => {
            if (closed || retry) return
            retry = setTimeout(() => {
              retry = undefined
              join()
            }, RETRY_MS)
            retry.unref()
          },
        )
      }
      const dropped = () => {
        if (!live) return
        live = false
        // From now until the subscription is back, peers' messages are lost.
        onReconnect()
      }
      const ignoreError = () => {
        // Reconnection is ioredis's job; without a listener it would log.
      }
      const receive = (from: string, text: string) => {
        if (from !== channel) return
        let parsed: { from?: unknown; message?: BusMessage }
        try {
          parsed = JSON.parse(text)
        } catch {
          return
        }
        if (parsed.from === instance || !parsed.message || typeof parsed.message !== 'object') return
        onMessage(parsed.message)
      }
      sub.on('ready', join)
      sub.on('close', dropped)
      sub.on('error', ignoreError)
      sub.on('message', receive)
      detach = () => {
        if (retry) clearTimeout(retry)
        sub.off('ready', join)
        sub.off('close', dropped)
        sub.off('error', ignoreError)
        sub.off('message', receive)
      }
      join()
      return first
    },
    publish(message) {
      // Never queue behind a disconnected client: peers drop their l1 on reconnect anyway.
      if (closed || client.status !== 'ready') return
      client.publish(channel, JSON.stringify({ from: instance, message })).catch(() => {})
    },
    async close() {
      if (closed) return
      closed = true
      detach()
      if (!subscriber) return
      if (owned) subscriber.disconnect()
      else await subscriber.unsubscribe(channel).catch(() => {})
    },
  }
}

/**
 * The bus's own subscriber connection. ioredis's auto-resubscribe is off: the bus subscribes on
 * every 'ready' itself, and ioredis sends its own SUBSCRIBE on reconnect without catching it, so
 * with `enableOfflineQueue: false` a connection that drops at that moment ends in an unhandled
 * rejection (seen in CI; Node exits on one by default). A Cluster moves its subscription itself.
 */
function ownSubscriber(client: Client): Client {
  return client.isCluster ? client.duplicate() : (client as Redis).duplicate({ autoResubscribe: false })
}
