/**
 * One sorted set per account: member = lease id, score = release time, or the lease's expiry while
 * the request is in flight (so in-flight requests count as "now" in every window and in the
 * concurrency limit). Time comes from Redis TIME so every process shares one clock. Numbers go to
 * Redis through string.format: Lua's default conversion keeps only 14 digits of an epoch in ms.
 *
 * ARGV[1] = 'acquire': ARGV leaseId, leaseMs, maxConcurrent, pollMs, then windowMs/limit pairs;
 *   returns {1, 0} when granted, {0, waitMs} otherwise.
 * ARGV[1] = 'release': ARGV leaseId; stamps the release time if the lease is still in flight.
 * ARGV[1] = 'pause': ARGV ms; nothing is granted until KEYS[2] (same slot) expires, a longer pause kept.
 */
export const LIMITER_SCRIPT = `
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function f(n) return string.format('%.3f', n) end

if ARGV[1] == 'pause' then
  local ms = math.ceil(tonumber(ARGV[2]))
  if ms > 0 and redis.call('PTTL', KEYS[2]) < ms then redis.call('SET', KEYS[2], '1', 'PX', ms) end
  return 0
end

local paused = redis.call('PTTL', KEYS[2])
if ARGV[1] == 'acquire' and paused > 0 then return {0, paused} end

if ARGV[1] == 'release' then
  local score = redis.call('ZSCORE', key, ARGV[2])
  if score and tonumber(score) > now then redis.call('ZADD', key, 'XX', f(now), ARGV[2]) end
  return 0
end

local leaseId = ARGV[2]
local leaseMs = tonumber(ARGV[3])
local maxConcurrent = tonumber(ARGV[4])
local pollMs = tonumber(ARGV[5])
local longest = 0
for i = 6, #ARGV, 2 do longest = math.max(longest, tonumber(ARGV[i])) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', f(now - longest))

if redis.call('ZCOUNT', key, '(' .. f(now), '+inf') >= maxConcurrent then return {0, pollMs} end
local wait = 0
for i = 6, #ARGV, 2 do
  local windowMs, limit = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local from = '(' .. f(now - windowMs)
  local count = redis.call('ZCOUNT', key, from, '+inf')
  if count >= limit then
    local blocking = tonumber(redis.call('ZRANGEBYSCORE', key, from, '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)[2])
    if blocking > now then wait = math.max(wait, pollMs) else wait = math.max(wait, blocking + windowMs - now) end
  end
end
if wait > 0 then return {0, math.max(1, math.ceil(wait))} end

redis.call('ZADD', key, f(now + leaseMs), leaseId)
redis.call('PEXPIRE', key, math.ceil(leaseMs + longest) + 1000)
return {1, 0}
`
