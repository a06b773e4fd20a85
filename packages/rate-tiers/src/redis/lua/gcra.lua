-- GCRA kept as a level in units: "level atMs" with PX = its drain time. Units rather than a
-- theoretical arrival time, so a plan change keeps the usage. One unit drains every window/limit.
local LEVEL = {}

local function level(v, interval)
  if not v then return 0 end
  local sp = string.find(v, ' ', 1, true)
  return math.max(0, tonumber(string.sub(v, 1, sp - 1)) - (now - tonumber(string.sub(v, sp + 1))) / interval)
end

-- remaining, reset, retry (for cost; 0 when admitted) and next: when one unit more than is left
-- fits, by the same tolerance as `left`.
local function outcome(j, lv, interval, burst, cost, admitted)
  local left = math.max(0, math.floor(burst - lv + 1e-9))
  out[j + 2] = left
  out[j + 3] = math.ceil(lv * interval)
  if admitted or cost <= left then out[j + 4] = 0
  else out[j + 4] = math.ceil(math.max(1, (lv + cost - burst) * interval)) end
  if left >= burst then out[j + 5] = 0
  else out[j + 5] = math.ceil(math.max(1, (lv + left + 1 - burst - 1e-9) * interval)) end
  return cost <= left
end

local function check(i, k, a, j, cost)
  local interval = tonumber(ARGV[a + 1]) / tonumber(ARGV[a])
  local lv = level(redis.call('GET', k), interval)
  LEVEL[i] = lv
  return outcome(j, lv, interval, tonumber(ARGV[a + 2]), cost, false)
end

local function store(k, lv, interval)
  if lv <= 0 then
    redis.call('DEL', k)
  else
    redis.call('SET', k, string.format('%.9f ', lv) .. nowStamp, 'PX', math.max(1, math.ceil(lv * interval)))
  end
end

-- Penalties may push the level past the burst, but never past one window of debt beyond it.
local function write(i, k, a, j, units, admitted, cost)
  local limit, burst = tonumber(ARGV[a]), tonumber(ARGV[a + 2])
  local interval = tonumber(ARGV[a + 1]) / limit
  local lv = math.min(LEVEL[i] + units, burst + limit)
  store(k, lv, interval)
  outcome(j, lv, interval, burst, cost, admitted)
end

local function finish() end

-- A decision's units drain no sooner than from its own time on: what drained since is not given
-- back (rounded to whole units, so a refund right after the call gives it all back).
local function give(k, a, units, at, held)
  local limit, burst = tonumber(ARGV[a]), tonumber(ARGV[a + 2])
  local interval = tonumber(ARGV[a + 1]) / limit
  if units > 0 then units = math.min(units, math.max(0, math.floor(held - (now - tonumber(at) / 1000) / interval + 0.5))) end
  store(k, math.min(math.max(0, level(redis.call('GET', k), interval) - units), burst + limit), interval)
end
