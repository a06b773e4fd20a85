import type { Algorithm } from '../types'

/*
 * One Lua script per algorithm. One run decides a batch of decisions in order, each atomic: every
 * limit of a decision is checked before anything is written, so it is charged all or nothing.
 * KEYS: the storage keys of every decision, in order (a decision's keys share its `{key}` hash tag).
 * ARGV: the number of decisions, then per decision charge ('1' | '0'), cost and its number of
 * limits, then limit, window ms and burst per limit. Returns allowed, remaining, resetMs and
 * retryAfterMs per limit, flattened. Time is Redis TIME, read once per run.
 * Numbers sent back to Redis go through string.format: Lua's default %.14g would drop the
 * sub-millisecond digits of an epoch timestamp.
 */

const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function ms(x) return string.format('%.3f', x) end
local out = {}
local ki, ai = 0, 2
for _ = 1, tonumber(ARGV[1]) do
local charge = ARGV[ai] == '1'
local cost = tonumber(ARGV[ai + 1])
local n = tonumber(ARGV[ai + 2])
ai = ai + 3
local K, L, W, B, A, left, reset, retry = {}, {}, {}, {}, {}, {}, {}, {}
for i = 1, n do
  K[i] = KEYS[ki + i]
  L[i] = tonumber(ARGV[ai]); W[i] = tonumber(ARGV[ai + 1]); B[i] = tonumber(ARGV[ai + 2])
  ai = ai + 3
end
ki = ki + n
local ok = true
`

const EPILOGUE = `
for i = 1, n do
  local rem = left[i]
  if ok and charge then rem = rem - cost end
  out[#out + 1] = A[i] and 1 or 0
  out[#out + 1] = rem
  out[#out + 1] = math.ceil(reset[i])
  out[#out + 1] = math.ceil(retry[i])
end
end
return out
`

const SLIDING_LOG = `
local used = {}
for i = 1, n do
  local k = K[i]
  redis.call('ZREMRANGEBYSCORE', k, '-inf', ms(now - W[i]))
  local c = redis.call('ZCARD', k)
  used[i] = c
  left[i] = L[i] - c
  if cost <= left[i] then
    A[i] = true; retry[i] = 0
  else
    A[i] = false; ok = false
    local idx = cost - left[i] - 1
    local e = redis.call('ZRANGE', k, idx, idx, 'WITHSCORES')
    retry[i] = math.max(1, tonumber(e[2]) + W[i] - now)
    if left[i] < 0 then left[i] = 0 end
  end
end
if ok and charge then
  local score = ms(now)
  local stamp = t[1] .. '.' .. t[2] .. ':'
  for i = 1, n do
    local j = 0
    while j < cost do
      local args = {}
      local stop = math.min(cost, j + 500)
      while j < stop do
        args[#args + 1] = score; args[#args + 1] = stamp .. (used[i] + j); j = j + 1
      end
      redis.call('ZADD', K[i], unpack(args))
    end
    redis.call('PEXPIRE', K[i], W[i])
    reset[i] = W[i]
  end
else
  for i = 1, n do
    reset[i] = 0
    if used[i] > 0 then
      local newest = redis.call('ZRANGE', K[i], -1, -1, 'WITHSCORES')
      reset[i] = tonumber(newest[2]) + W[i] - now
    end
  end
end
`

const FIXED_WINDOW = `
local start, count = {}, {}
for i = 1, n do
  start[i] = math.floor(now / W[i]) * W[i]
  local h = redis.call('HMGET', K[i], 's', 'c')
  count[i] = 0
  if tonumber(h[1]) == start[i] then count[i] = tonumber(h[2]) end
  left[i] = L[i] - count[i]
  local untilEnd = start[i] + W[i] - now
  if cost <= left[i] then
    A[i] = true; retry[i] = 0
    reset[i] = 0
    if count[i] > 0 then reset[i] = untilEnd end
  else
    A[i] = false; ok = false
    retry[i] = math.max(1, untilEnd); reset[i] = untilEnd
    if left[i] < 0 then left[i] = 0 end
  end
end
if ok and charge then
  for i = 1, n do
    redis.call('HSET', K[i], 's', start[i], 'c', count[i] + cost)
    redis.call('PEXPIREAT', K[i], start[i] + W[i])
    reset[i] = start[i] + W[i] - now
  end
end
`

const SLIDING_WINDOW = `
local start, cur = {}, {}
for i = 1, n do
  local w = W[i]
  local s = math.floor(now / w) * w
  local h = redis.call('HMGET', K[i], 's', 'p', 'c')
  local hs, p, c = tonumber(h[1]), 0, 0
  if hs == s then p = tonumber(h[2]); c = tonumber(h[3])
  elseif hs == s - w then p = tonumber(h[3]) end
  start[i] = s; cur[i] = c
  local estimate = (p * (w - (now - s))) / w + c
  left[i] = math.max(0, math.floor(L[i] - estimate))
  if c > 0 then reset[i] = s + 2 * w - now elseif p > 0 then reset[i] = s + w - now else reset[i] = 0 end
  B[i] = p
  if cost <= left[i] then
    A[i] = true; retry[i] = 0
  else
    A[i] = false; ok = false
    local at
    if c + cost <= L[i] then
      at = s + w * (1 - (L[i] - c - cost) / p)
    else
      at = s + w + math.max(0, w * (1 - (L[i] - cost) / c))
    end
    retry[i] = math.max(1, at - now)
  end
end
if ok and charge then
  for i = 1, n do
    local w = W[i]
    redis.call('HSET', K[i], 's', start[i], 'p', B[i], 'c', cur[i] + cost)
    redis.call('PEXPIREAT', K[i], start[i] + 2 * w)
    reset[i] = start[i] + 2 * w - now
  end
end
`

const GCRA = `
local level = {}
for i = 1, n do
  local interval = W[i] / L[i]
  local h = redis.call('HMGET', K[i], 'l', 'a')
  local lv = 0
  if h[1] then lv = math.max(0, tonumber(h[1]) - (now - tonumber(h[2])) / interval) end
  level[i] = lv
  left[i] = math.max(0, math.floor(B[i] - lv + 1e-9))
  reset[i] = lv * interval
  if cost <= left[i] then
    A[i] = true; retry[i] = 0
  else
    A[i] = false; ok = false
    retry[i] = math.max(1, (lv + cost - B[i]) * interval)
  end
end
if ok and charge then
  for i = 1, n do
    local interval = W[i] / L[i]
    local lv = level[i] + cost
    redis.call('HSET', K[i], 'l', string.format('%.9f', lv), 'a', ms(now))
    redis.call('PEXPIRE', K[i], math.max(1, math.ceil(lv * interval)))
    reset[i] = lv * interval
  end
end
`

const BODIES: Record<Algorithm, string> = {
  'sliding-log': SLIDING_LOG,
  'sliding-window': SLIDING_WINDOW,
  gcra: GCRA,
  'fixed-window': FIXED_WINDOW,
}

/** The full Lua source of an algorithm's decision script. */
export function scriptSource(algorithm: Algorithm): string {
  return PRELUDE + BODIES[algorithm] + EPILOGUE
}
