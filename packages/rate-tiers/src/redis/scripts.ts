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

// No per-limit tables: each limit's outcome is written straight into its four slots of the reply
// (out[j + 1..4]) and its arguments are read where they sit in ARGV. Allocation and garbage
// dominate the cost of a small Lua script (a dozen tables cost as much as a write command).
// Per limit i of a decision: key KEYS[k0 + i], limit ARGV[a], window ARGV[a + 1], burst ARGV[a + 2]
// with a = a0 + 3 * i, and reply slots j = o + 4 * (i - 1).
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local out, o = {}, 0
local ki, ai = 0, 2
for _ = 1, tonumber(ARGV[1]) do
local charge = ARGV[ai] == '1'
local cost = tonumber(ARGV[ai + 1])
local n = tonumber(ARGV[ai + 2])
local k0, a0 = ki, ai
ki = ki + n
ai = ai + 3 + 3 * n
local ok = true
`

const EPILOGUE = `
o = o + 4 * n
end
return out
`

// A list of admission times, oldest first: pushes and pops at the ends are O(1), where a sorted
// set pays an O(n) listpack insert for every unit while it is small. Until the charge decides it,
// a limit's reset slot (out[j + 3]) holds its entry count: the no-charge branch reads it.
const SLIDING_LOG = `
for i = 1, n do
  local k, a, j = KEYS[k0 + i], a0 + 3 * i, o + 4 * (i - 1)
  local w = tonumber(ARGV[a + 1])
  local edge = now - w
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
  local used = redis.call('LLEN', k)
  local left = tonumber(ARGV[a]) - used
  if cost <= left then
    out[j + 1] = 1; out[j + 2] = left; out[j + 4] = 0
  else
    ok = false
    local freed = redis.call('LINDEX', k, cost - left - 1)
    out[j + 1] = 0; out[j + 2] = math.max(0, left)
    out[j + 4] = math.ceil(math.max(1, tonumber(freed) + w - now))
  end
  out[j + 3] = 0
  if used > 0 then out[j + 3] = used end
end
if ok and charge then
  local stamp = string.format('%.3f', now)
  for i = 1, n do
    local k, w, j = KEYS[k0 + i], tonumber(ARGV[a0 + 3 * i + 1]), o + 4 * (i - 1)
    if cost == 1 then
      redis.call('RPUSH', k, stamp)
    else
      local c = 0
      while c < cost do
        local args = {}
        local stop = math.min(cost, c + 1000)
        while c < stop do c = c + 1; args[#args + 1] = stamp end
        redis.call('RPUSH', k, unpack(args))
      end
    end
    redis.call('PEXPIRE', k, w)
    out[j + 2] = out[j + 2] - cost; out[j + 3] = w
  end
else
  for i = 1, n do
    local j = o + 4 * (i - 1)
    if out[j + 3] > 0 then
      local k, w = KEYS[k0 + i], tonumber(ARGV[a0 + 3 * i + 1])
      out[j + 3] = math.ceil(tonumber(redis.call('LINDEX', k, -1)) + w - now)
    end
  end
end
`

// The string-valued algorithms read every limit of a decision with one MGET (one slot: one hash tag).

// Value: "start count" of the current aligned window.
const FIXED_WINDOW = `
local V = redis.call('MGET', unpack(KEYS, k0 + 1, k0 + n))
for i = 1, n do
  local a, j = a0 + 3 * i, o + 4 * (i - 1)
  local w = tonumber(ARGV[a + 1])
  local start = now - (now % w)
  local count = 0
  local v = V[i]
  if v then
    local vs, vc = string.match(v, '^(%S+) (%S+)$')
    if tonumber(vs) == start then count = tonumber(vc) end
  end
  local left = tonumber(ARGV[a]) - count
  local untilEnd = math.ceil(start + w - now)
  if cost <= left then
    out[j + 1] = 1; out[j + 2] = left; out[j + 4] = 0
    out[j + 3] = 0
    if count > 0 then out[j + 3] = untilEnd end
  else
    ok = false
    out[j + 1] = 0; out[j + 2] = math.max(0, left)
    out[j + 3] = untilEnd; out[j + 4] = math.max(1, untilEnd)
  end
end
if ok and charge then
  for i = 1, n do
    local j = o + 4 * (i - 1)
    local w = tonumber(ARGV[a0 + 3 * i + 1])
    local start = now - (now % w)
    local count = tonumber(ARGV[a0 + 3 * i]) - out[j + 2] + cost
    redis.call('SET', KEYS[k0 + i], string.format('%d %d', start, count), 'PXAT', start + w)
    out[j + 2] = out[j + 2] - cost; out[j + 3] = math.ceil(start + w - now)
  end
end
`

// Value: "start prev cur": the current aligned window's start and the counts of it and the one before.
const SLIDING_WINDOW = `
local V = redis.call('MGET', unpack(KEYS, k0 + 1, k0 + n))
local P, C = {}, {}
for i = 1, n do
  local a, j = a0 + 3 * i, o + 4 * (i - 1)
  local l, w = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local s = now - (now % w)
  local p, c = 0, 0
  local v = V[i]
  if v then
    local vs, vp, vc = string.match(v, '^(%S+) (%S+) (%S+)$')
    vs = tonumber(vs)
    if vs == s then p = tonumber(vp); c = tonumber(vc)
    elseif vs == s - w then p = tonumber(vc) end
  end
  P[i] = p; C[i] = c
  local estimate = (p * (w - (now - s))) / w + c
  local left = math.max(0, math.floor(l - estimate))
  out[j + 2] = left
  if c > 0 then out[j + 3] = math.ceil(s + 2 * w - now)
  elseif p > 0 then out[j + 3] = math.ceil(s + w - now)
  else out[j + 3] = 0 end
  if cost <= left then
    out[j + 1] = 1; out[j + 4] = 0
  else
    ok = false
    out[j + 1] = 0
    local at
    if c + cost <= l then
      at = s + w * (1 - (l - c - cost) / p)
    else
      at = s + w + math.max(0, w * (1 - (l - cost) / c))
    end
    out[j + 4] = math.ceil(math.max(1, at - now))
  end
end
if ok and charge then
  for i = 1, n do
    local j = o + 4 * (i - 1)
    local w = tonumber(ARGV[a0 + 3 * i + 1])
    local s = now - (now % w)
    redis.call('SET', KEYS[k0 + i], string.format('%d %d %d', s, P[i], C[i] + cost), 'PXAT', s + 2 * w)
    out[j + 2] = out[j + 2] - cost; out[j + 3] = math.ceil(s + 2 * w - now)
  end
end
`

// Value: "level at": units in the bucket at time `at`. Units rather than a theoretical arrival
// time, so a plan change keeps the usage.
const GCRA = `
local V = redis.call('MGET', unpack(KEYS, k0 + 1, k0 + n))
local level = {}
for i = 1, n do
  local a, j = a0 + 3 * i, o + 4 * (i - 1)
  local interval = tonumber(ARGV[a + 1]) / tonumber(ARGV[a])
  local burst = tonumber(ARGV[a + 2])
  local lv = 0
  local v = V[i]
  if v then
    local vl, va = string.match(v, '^(%S+) (%S+)$')
    lv = math.max(0, tonumber(vl) - (now - tonumber(va)) / interval)
  end
  level[i] = lv
  local left = math.max(0, math.floor(burst - lv + 1e-9))
  out[j + 2] = left; out[j + 3] = math.ceil(lv * interval)
  if cost <= left then
    out[j + 1] = 1; out[j + 4] = 0
  else
    ok = false
    out[j + 1] = 0; out[j + 4] = math.ceil(math.max(1, (lv + cost - burst) * interval))
  end
end
if ok and charge then
  local stamp = string.format(' %.3f', now)
  for i = 1, n do
    local a, j = a0 + 3 * i, o + 4 * (i - 1)
    local interval = tonumber(ARGV[a + 1]) / tonumber(ARGV[a])
    local lv = level[i] + cost
    local drain = math.ceil(lv * interval)
    redis.call('SET', KEYS[k0 + i], string.format('%.9f', lv) .. stamp, 'PX', math.max(1, drain))
    out[j + 2] = out[j + 2] - cost; out[j + 3] = drain
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

/*
 * The common case, one decision over one limit, has a script of its own per algorithm: the same
 * decision and the same stored values as the batch scripts above (a key may be decided by either),
 * without their loops, so Redis runs the fewest commands and Lua builds no tables but the reply.
 * KEYS[1]: the storage key. ARGV: charge ('1' | '0'), cost, limit, window ms, burst.
 * Returns allowed, remaining, resetMs, retryAfterMs.
 * Float formatting is a large share of a script this small, so: stamp() writes Redis TIME in ms with
 * 3 decimals from TIME's own digits (the same text as string.format('%.3f', now), whose rounding
 * error is far below 0.0005), and whole numbers Redis would otherwise format from a Lua number
 * (%.17g) are passed as text.
 */
const SINGLE_PRELUDE = `
local k = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local cost, limit, w = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
`

// Redis TIME in ms as text with 3 decimals, for the scripts that store it.
const STAMP = `
local function stamp()
  local u = t[2]
  if #u < 6 then u = string.rep('0', 6 - #u) .. u end
  return t[1] .. string.sub(u, 1, 3) .. '.' .. string.sub(u, 4)
end
`

// Charging pushes first and rolls back on a denial: RPUSH returns the length, which saves the LLEN
// of every admitted call at the price of an LTRIM on denials (rarer, and the block cache absorbs a
// flood of them). Expired entries are counted from a 4-entry head first: at a steady rate about one
// leaves per call, so one short LRANGE usually settles it.
const SINGLE_SLIDING_LOG = `${STAMP}
local edge = now - w
local oldest = redis.call('LINDEX', k, '0')
if oldest and tonumber(oldest) <= edge then
  local size = 4
  repeat
    local head = redis.call('LRANGE', k, '0', size - 1)
    local m = 0
    while m < #head and tonumber(head[m + 1]) <= edge do m = m + 1 end
    if m > 0 then redis.call('LPOP', k, m) end
    local more = m == size
    size = 64
  until not more
end
local used
if ARGV[1] == '1' then
  local at = stamp()
  local len
  if cost == 1 then
    len = redis.call('RPUSH', k, at)
  else
    local c = 0
    while c < cost do
      local args = {}
      local stop = math.min(cost, c + 1000)
      while c < stop do c = c + 1; args[#args + 1] = at end
      len = redis.call('RPUSH', k, unpack(args))
    end
  end
  used = len - cost
  if cost <= limit - used then
    redis.call('PEXPIRE', k, ARGV[4])
    return {1, limit - used - cost, w, 0}
  end
  -- Denied: take this call's entries back off the tail (an emptied list is deleted with its key).
  redis.call('LTRIM', k, 0, used - 1)
else
  used = redis.call('LLEN', k)
end
local left = limit - used
local reset = 0
if used > 0 then reset = math.ceil(tonumber(redis.call('LINDEX', k, '-1')) + w - now) end
if cost <= left then return {1, left, reset, 0} end
local freed = redis.call('LINDEX', k, cost - left - 1)
return {0, math.max(0, left), reset, math.ceil(math.max(1, tonumber(freed) + w - now))}
`

const SINGLE_FIXED_WINDOW = `
local start = now - (now % w)
local count = 0
local v = redis.call('GET', k)
if v then
  local vs, vc = string.match(v, '^(%S+) (%S+)$')
  if tonumber(vs) == start then count = tonumber(vc) end
end
local left = limit - count
local untilEnd = math.ceil(start + w - now)
if cost > left then return {0, math.max(0, left), untilEnd, math.max(1, untilEnd)} end
if ARGV[1] ~= '1' then
  if count > 0 then return {1, left, untilEnd, 0} end
  return {1, left, 0, 0}
end
redis.call('SET', k, string.format('%d %d', start, count + cost), 'PXAT', string.format('%d', start + w))
return {1, left - cost, untilEnd, 0}
`

const SINGLE_SLIDING_WINDOW = `
local s = now - (now % w)
local p, c = 0, 0
local v = redis.call('GET', k)
if v then
  local vs, vp, vc = string.match(v, '^(%S+) (%S+) (%S+)$')
  vs = tonumber(vs)
  if vs == s then p = tonumber(vp); c = tonumber(vc)
  elseif vs == s - w then p = tonumber(vc) end
end
local left = math.max(0, math.floor(limit - ((p * (w - (now - s))) / w + c)))
if cost <= left then
  if ARGV[1] == '1' then
    redis.call('SET', k, string.format('%d %d %d', s, p, c + cost), 'PXAT', string.format('%d', s + 2 * w))
    return {1, left - cost, math.ceil(s + 2 * w - now), 0}
  end
  if c > 0 then return {1, left, math.ceil(s + 2 * w - now), 0} end
  if p > 0 then return {1, left, math.ceil(s + w - now), 0} end
  return {1, left, 0, 0}
end
local reset = 0
if c > 0 then reset = math.ceil(s + 2 * w - now)
elseif p > 0 then reset = math.ceil(s + w - now) end
local at
if c + cost <= limit then
  at = s + w * (1 - (limit - c - cost) / p)
else
  at = s + w + math.max(0, w * (1 - (limit - cost) / c))
end
return {0, left, reset, math.ceil(math.max(1, at - now))}
`

const SINGLE_GCRA = `${STAMP}
local interval = w / limit
local burst = tonumber(ARGV[5])
local lv = 0
local v = redis.call('GET', k)
if v then
  local sp = string.find(v, ' ', 1, true)
  lv = math.max(0, tonumber(string.sub(v, 1, sp - 1)) - (now - tonumber(string.sub(v, sp + 1))) / interval)
end
local left = math.max(0, math.floor(burst - lv + 1e-9))
if cost > left then
  return {0, left, math.ceil(lv * interval), math.ceil(math.max(1, (lv + cost - burst) * interval))}
end
if ARGV[1] ~= '1' then return {1, left, math.ceil(lv * interval), 0} end
lv = lv + cost
local drain = math.ceil(lv * interval)
redis.call('SET', k, string.format('%.9f', lv) .. ' ' .. stamp(), 'PX', string.format('%d', math.max(1, drain)))
return {1, left - cost, drain, 0}
`

const SINGLE_BODIES: Record<Algorithm, string> = {
  'sliding-log': SINGLE_SLIDING_LOG,
  'sliding-window': SINGLE_SLIDING_WINDOW,
  gcra: SINGLE_GCRA,
  'fixed-window': SINGLE_FIXED_WINDOW,
}

/** The Lua source of an algorithm's script for one decision over one limit. */
export function singleScriptSource(algorithm: Algorithm): string {
  return SINGLE_PRELUDE + SINGLE_BODIES[algorithm]
}
