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

// Per-limit tables are made once per run and overwritten by each decision (entries past its n are
// never read): allocation and garbage dominate the cost of a small Lua script.
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local stamp = string.format('%.3f', now)
local out, o = {}, 0
local K, L, W, B, A, left, reset, retry, S1, S2, S3 = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
local ki, ai = 0, 2
for _ = 1, tonumber(ARGV[1]) do
local charge = ARGV[ai] == '1'
local cost = tonumber(ARGV[ai + 1])
local n = tonumber(ARGV[ai + 2])
ai = ai + 3
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
  out[o + 1] = A[i] and 1 or 0
  out[o + 2] = rem
  out[o + 3] = math.ceil(reset[i])
  out[o + 4] = math.ceil(retry[i])
  o = o + 4
end
end
return out
`

// A list of admission times, oldest first: pushes and pops at the ends are O(1), where a sorted
// set pays an O(n) listpack insert for every unit while it is small.
const SLIDING_LOG = `
local used = S1
for i = 1, n do
  local k = K[i]
  local edge = now - W[i]
  local oldest = redis.call('LINDEX', k, 0)
  if oldest and tonumber(oldest) <= edge then
    local m
    repeat
      local head = redis.call('LRANGE', k, 0, 63)
      m = 0
      while m < #head and tonumber(head[m + 1]) <= edge do m = m + 1 end
      if m > 0 then redis.call('LPOP', k, m) end
    until m < 64
  end
  local c = redis.call('LLEN', k)
  used[i] = c
  left[i] = L[i] - c
  if cost <= left[i] then
    A[i] = true; retry[i] = 0
  else
    A[i] = false; ok = false
    local freed = redis.call('LINDEX', k, cost - left[i] - 1)
    retry[i] = math.max(1, tonumber(freed) + W[i] - now)
    if left[i] < 0 then left[i] = 0 end
  end
end
if ok and charge then
  for i = 1, n do
    local j = 0
    while j < cost do
      local args = {}
      local stop = math.min(cost, j + 1000)
      while j < stop do j = j + 1; args[#args + 1] = stamp end
      redis.call('RPUSH', K[i], unpack(args))
    end
    redis.call('PEXPIRE', K[i], W[i])
    reset[i] = W[i]
  end
else
  for i = 1, n do
    reset[i] = 0
    if used[i] > 0 then reset[i] = tonumber(redis.call('LINDEX', K[i], -1)) + W[i] - now end
  end
end
`

// The string-valued algorithms read every limit of a decision with one MGET (one slot: one hash tag).

// Value: "start count" of the current aligned window.
const FIXED_WINDOW = `
local start, count = S1, S2
local V = redis.call('MGET', unpack(K, 1, n))
for i = 1, n do
  start[i] = now - (now % W[i])
  count[i] = 0
  local v = V[i]
  if v then
    local vs, vc = string.match(v, '^(%S+) (%S+)$')
    if tonumber(vs) == start[i] then count[i] = tonumber(vc) end
  end
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
    redis.call('SET', K[i], string.format('%d %d', start[i], count[i] + cost), 'PXAT', start[i] + W[i])
    reset[i] = start[i] + W[i] - now
  end
end
`

// Value: "start prev cur": the current aligned window's start and the counts of it and the one before.
const SLIDING_WINDOW = `
local start, prev, cur = S1, S2, S3
local V = redis.call('MGET', unpack(K, 1, n))
for i = 1, n do
  local w = W[i]
  local s = now - (now % w)
  local p, c = 0, 0
  local v = V[i]
  if v then
    local vs, vp, vc = string.match(v, '^(%S+) (%S+) (%S+)$')
    vs = tonumber(vs)
    if vs == s then p = tonumber(vp); c = tonumber(vc)
    elseif vs == s - w then p = tonumber(vc) end
  end
  start[i] = s; prev[i] = p; cur[i] = c
  local estimate = (p * (w - (now - s))) / w + c
  left[i] = math.max(0, math.floor(L[i] - estimate))
  if c > 0 then reset[i] = s + 2 * w - now elseif p > 0 then reset[i] = s + w - now else reset[i] = 0 end
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
    redis.call('SET', K[i], string.format('%d %d %d', start[i], prev[i], cur[i] + cost), 'PXAT', start[i] + 2 * w)
    reset[i] = start[i] + 2 * w - now
  end
end
`

// Value: "level at": units in the bucket at time `at`. Units rather than a theoretical arrival
// time, so a plan change keeps the usage.
const GCRA = `
local level = S1
local V = redis.call('MGET', unpack(K, 1, n))
for i = 1, n do
  local interval = W[i] / L[i]
  local lv = 0
  local v = V[i]
  if v then
    local vl, va = string.match(v, '^(%S+) (%S+)$')
    lv = math.max(0, tonumber(vl) - (now - tonumber(va)) / interval)
  end
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
    redis.call('SET', K[i], string.format('%.9f ', lv) .. stamp, 'PX', math.max(1, math.ceil(lv * interval)))
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
