import { luaScript, type Script } from '@rc/internal'
import type { Algorithm, StoreAdjustment, StoreCall, StoreLimit } from '../types'
import { LUA } from './lua/sources'

/**
 * The Lua source of an algorithm's script: the shared prelude (time, reply, leases, blocks), the
 * algorithm (check, write, finish, give) and the driver. One script decides a batch of decisions
 * (each atomic) or adjusts earlier ones; the protocol is at the top of lua/prelude.lua.
 */
export function scriptSource(algorithm: Algorithm): string {
  return `${LUA.prelude}\n${LUA[algorithm]}\n${LUA.run}`
}

/**
 * The one-limit script of an algorithm, for the common call: one limit with no shadow, penalty,
 * block or concurrency. Its reply has the general script's layout; it earns its place at one call
 * in flight, where it costs Redis about a third less (bench/README.md).
 */
export function singleSource(algorithm: Algorithm): string {
  return `${LUA['single-prelude']}\n${LUA[`${algorithm}.single`]}`
}

/** Whether a call can run the one-limit script. */
export function isSingle(call: StoreCall): boolean {
  return call.limits.length === 1 && flagsOf(call.limits[0]!, true) === 0
}

/** Every algorithm's general and one-limit scripts, hashed once. */
export function algorithmScripts(
  algorithms: readonly Algorithm[],
): Map<Algorithm, { general: Script; single: Script }> {
  return new Map(
    algorithms.map((a) => [a, { general: luaScript(scriptSource(a)), single: luaScript(singleSource(a)) }]),
  )
}

export const presenceScript: Script = luaScript(LUA.presence!)

/** The flags argument of a limit (see lua/prelude.lua); `adjust` never sends the block. */
function flagsOf(limit: StoreLimit, withBlock: boolean): number {
  return (
    (limit.concurrency ? 1 : 0) +
    (limit.shadow ? 2 : 0) +
    (limit.chargeDenied ? 4 : 0) +
    (withBlock && limit.block !== undefined ? 8 : 0)
  )
}

/** KEYS and ARGV of a script run. */
export interface ScriptInput {
  keys: string[]
  args: (string | number)[]
}

type StorageKey = (key: string, name: string) => string

function pushLimit(to: ScriptInput, storageKey: StorageKey, key: string, l: StoreLimit, withBlock: boolean) {
  const k = storageKey(key, l.name)
  to.keys.push(k)
  to.args.push(l.limit, l.windowMs, l.burst, flagsOf(l, withBlock))
  if (withBlock && l.block !== undefined) {
    to.keys.push(`${k}!b`)
    to.args.push(l.block.ms, l.block.factor, l.block.maxMs, l.block.forgetMs)
  }
}

/** The KEYS and ARGV of the one-limit script. */
export function encodeSingle({ key, limits, cost, charge }: StoreCall, storageKey: StorageKey): ScriptInput {
  const l = limits[0]!
  return { keys: [storageKey(key, l.name)], args: [charge ? '1' : '0', cost, l.limit, l.windowMs, l.burst] }
}

/** A run deciding `calls` in order (all of one algorithm; on a Cluster, all of one key). */
export function encodeDecisions(calls: readonly StoreCall[], storageKey: StorageKey): ScriptInput {
  const input: ScriptInput = { keys: [], args: ['d', calls.length] }
  for (const { key, limits, cost, charge, lease } of calls) {
    input.args.push(charge ? '1' : '0', cost, lease, limits.length)
    for (const l of limits) pushLimit(input, storageKey, key, l, true)
  }
  return input
}

/** A run adjusting one earlier decision. */
export function encodeAdjustment(
  { key, limits, units, at, charged, lease }: StoreAdjustment,
  storageKey: StorageKey,
): ScriptInput {
  const input: ScriptInput = {
    keys: [],
    args: ['a', 1, units, String(Math.round(at * 1000)), charged, lease, limits.length],
  }
  for (const l of limits) pushLimit(input, storageKey, key, l, false)
  return input
}
