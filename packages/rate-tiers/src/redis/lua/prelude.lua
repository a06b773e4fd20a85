-- Shared by every algorithm's script (prelude, then the algorithm, then run.lua).
-- ARGV[1] is the operation: 'd' decides, 'a' adjusts (refund, settle, release).
-- ARGV[2] is the number of decisions (or adjustments) in this run; each is atomic on its own.
-- Per decision: charge ('1' | '0'), cost, lease id ('' for none), number of limits; then per limit:
-- limit, window ms, burst, flags, and 4 more (block ms, factor, max ms, forget ms) when flags has 8.
-- Per adjustment: units (> 0 gives back, < 0 charges more), the decision's time in µs, the units
-- it still holds, the lease to release ('' for none), number of limits; then the same per-limit arguments (never flag 8).
-- KEYS: per limit its storage key, followed by its block key when flags has 8. A decision's keys
-- share its `{key}` hash tag, so a run stays in one Cluster slot.
-- Flags: 1 concurrency (leases in a sorted set; window is the lease ttl), 2 shadow (reported,
-- never denies), 4 charge denied calls, 8 block for a while after a denial.
-- Reply: Redis TIME in µs, then per limit of every decision: allowed, remaining, reset ms (until
-- usage drains), retry ms (until this call would fit), next ms (until more quota: draft-10 `t`).
local call, tonumber, ceil, floor, max, min = redis.call, tonumber, math.ceil, math.floor, math.max, math.min
local t = call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = nowUs / 1000
local out = { nowUs }

-- A time in µs as stored text: milliseconds with 3 decimals, from its own digits (no float formatting).
local function stamp(us)
  return string.sub(us, 1, -4) .. '.' .. string.sub(us, -3)
end
local usec = t[2]
if #usec < 6 then usec = string.rep('0', 6 - #usec) .. usec end
local nowStamp = stamp(t[1] .. usec)

-- Concurrency: one member per lease, scored with its expiry, so a crashed holder's slot frees itself.
local function leaseCheck(k, a, j)
  call('ZREMRANGEBYSCORE', k, '-inf', nowStamp)
  local left = tonumber(ARGV[a]) - call('ZCARD', k)
  out[j + 2] = max(0, left)
  out[j + 3] = 0
  if left >= 1 then
    out[j + 4] = 0; out[j + 5] = 0
    return true
  end
  -- When a lease ends is unknown: say a second, or the oldest lease's expiry when sooner.
  local first = call('ZRANGE', k, 0, 0, 'WITHSCORES')
  local wait = ceil(max(1, min(1000, tonumber(first[2]) - now)))
  out[j + 4] = wait; out[j + 5] = wait
  return false
end

local function leaseTake(k, a, j, lease)
  local ttl = tonumber(ARGV[a + 1])
  call('ZADD', k, now + ttl, lease)
  -- The set lives as long as its longest lease (tiers may give one bucket different ttls).
  local last = call('ZRANGE', k, -1, -1, 'WITHSCORES')
  call('PEXPIREAT', k, ceil(tonumber(last[2])))
  out[j + 2] = out[j + 2] - 1
end

-- Block marker: "until offenses", kept for the forget period so repeat offenders are remembered.
local OFFENSES = {}
local function blockRead(i, bk, j)
  OFFENSES[i] = 0
  local v = call('GET', bk)
  if not v then return false end
  local untilMs, offenses = string.match(v, '^(%S+) (%S+)$')
  OFFENSES[i] = tonumber(offenses)
  local left = ceil(tonumber(untilMs) - now)
  if left <= 0 then return false end
  out[j + 2] = 0; out[j + 3] = left; out[j + 4] = left; out[j + 5] = left
  return true
end

local function blockSet(i, bk, b, j)
  local offenses = OFFENSES[i] + 1
  local dur = min(tonumber(ARGV[b + 2]), tonumber(ARGV[b]) * tonumber(ARGV[b + 1]) ^ (offenses - 1))
  local keep = max(dur, tonumber(ARGV[b + 3]))
  call('SET', bk, string.format('%.3f %d', now + dur, offenses), 'PX', ceil(keep))
  local d = ceil(dur)
  out[j + 2] = 0
  out[j + 3] = max(out[j + 3], d); out[j + 4] = max(out[j + 4], d); out[j + 5] = max(out[j + 5], d)
end
