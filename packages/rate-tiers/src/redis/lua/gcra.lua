-- GCRA kept as a level in units: "level atMs" with PX = its drain time. Units rather than a
-- theoretical arrival time, so a plan change keeps the usage. One unit drains every window/limit.
local LEVEL = {}

local function level(v, interval)
  if not v then return 0 end
  local sp = string.find(v, ' ', 1, true)
  return max(0, tonumber(string.sub(v, 1, sp - 1)) - (now - tonumber(string.sub(v, sp + 1))) / interval)
end

-- Float division of the window can land a hair under a whole unit; 1e-9 keeps 2.9999999 at 3.
local function left(lv, burst)
  return max(0, floor(burst - lv + 1e-9))
end

-- remaining, reset, retry (for cost; 0 when admitted) and next: when one unit more than is left
-- fits, by the same tolerance as `left`.
local function outcome(j, lv, interval, burst, cost, admitted)
  local l = left(lv, burst)
  out[j + 2] = l
  out[j + 3] = ceil(lv * interval)
  if admitted or cost <= l then out[j + 4] = 0
  else out[j + 4] = ceil(max(1, (lv + cost - burst) * interval)) end
  if l >= burst then out[j + 5] = 0
  else out[j + 5] = ceil(max(1, (lv + l + 1 - burst - 1e-9) * interval)) end
end

local function check(i, k, a, j, cost)
  local lv = level(call('GET', k), tonumber(ARGV[a + 1]) / tonumber(ARGV[a]))
  LEVEL[i] = lv
  return cost <= left(lv, tonumber(ARGV[a + 2]))
end

local function finish(i, k, a, j, cost)
  outcome(j, LEVEL[i], tonumber(ARGV[a + 1]) / tonumber(ARGV[a]), tonumber(ARGV[a + 2]), cost, false)
end

local function store(k, lv, interval)
  if lv <= 0 then
    call('DEL', k)
  else
    call('SET', k, string.format('%.9f ', lv) .. nowStamp, 'PX', max(1, ceil(lv * interval)))
  end
end

-- Penalties may push the level past the burst, but never past one window of debt beyond it.
local function write(i, k, a, j, units, admitted, cost)
  local limit, burst = tonumber(ARGV[a]), tonumber(ARGV[a + 2])
  local interval = tonumber(ARGV[a + 1]) / limit
  local lv = min(LEVEL[i] + units, burst + limit)
  store(k, lv, interval)
  outcome(j, lv, interval, burst, cost, admitted)
end

-- A decision's units drain no sooner than from its own time on: what drained since is not given
-- back (rounded to whole units, so a refund right after the call gives it all back).
local function give(k, a, units, at, held)
  local limit, burst = tonumber(ARGV[a]), tonumber(ARGV[a + 2])
  local interval = tonumber(ARGV[a + 1]) / limit
  if units > 0 then units = min(units, max(0, floor(held - (now - tonumber(at) / 1000) / interval + 0.5))) end
  store(k, min(max(0, level(call('GET', k), interval) - units), burst + limit), interval)
end
