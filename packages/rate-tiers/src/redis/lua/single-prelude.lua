-- The prelude of the one-limit scripts (`<algorithm>.single.lua`): the common call (one limit, no
-- shadow, penalty, block or concurrency) without the general script's loops and tables. The same
-- decisions and stored values as the general script (test/redis-store.redis.test.ts checks).
-- KEYS[1]: the storage key. ARGV: charge ('1' | '0'), cost, limit, window ms, burst.
-- Reply: Redis TIME in µs, allowed, remaining, reset ms, retry ms, next ms.
local call, tonumber, ceil, floor, max, min = redis.call, tonumber, math.ceil, math.floor, math.max, math.min
local t = call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = nowUs / 1000
local k = KEYS[1]
local cost, limit, w = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

-- Redis TIME as stored text: milliseconds with 3 decimals, from its own digits.
local function nowStamp()
  local usec = t[2]
  if #usec < 6 then usec = string.rep('0', 6 - #usec) .. usec end
  local s = t[1] .. usec
  return string.sub(s, 1, -4) .. '.' .. string.sub(s, -3)
end
