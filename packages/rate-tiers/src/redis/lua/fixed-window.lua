-- Counts per window aligned to the epoch: "start count" with PXAT at the window's end.
local COUNT = {}

local function counted(v, start)
  if not v then return 0 end
  local vs, vc = string.match(v, '^(%S+) (%S+)$')
  if tonumber(vs) == start then return tonumber(vc) end
  return 0
end

local function outcome(j, limit, count, untilEnd, cost, admitted)
  local left = limit - count
  out[j + 2] = max(0, left)
  if count > 0 then out[j + 3] = untilEnd; out[j + 5] = untilEnd else out[j + 3] = 0; out[j + 5] = 0 end
  if admitted or cost <= left then out[j + 4] = 0 else out[j + 4] = max(1, untilEnd) end
end

local function check(i, k, a, j, cost)
  local w = tonumber(ARGV[a + 1])
  local count = counted(call('GET', k), now - (now % w))
  COUNT[i] = count
  return cost <= tonumber(ARGV[a]) - count
end

local function finish(i, k, a, j, cost)
  local w = tonumber(ARGV[a + 1])
  outcome(j, tonumber(ARGV[a]), COUNT[i], ceil(now - (now % w) + w - now), cost, false)
end

local function write(i, k, a, j, units, admitted, cost)
  local w = tonumber(ARGV[a + 1])
  local start = now - (now % w)
  local count = COUNT[i] + units
  call('SET', k, string.format('%d %d', start, count), 'PXAT', string.format('%d', start + w))
  outcome(j, tonumber(ARGV[a]), count, ceil(start + w - now), cost, admitted)
end

-- Units go back only to the window they were charged in; extra units are charged to this window.
local function give(k, a, units, at)
  local w = tonumber(ARGV[a + 1])
  local start = now - (now % w)
  local atMs = tonumber(at) / 1000
  if units > 0 and atMs - (atMs % w) ~= start then return end
  local count = max(0, counted(call('GET', k), start) - units)
  call('SET', k, string.format('%d %d', start, count), 'PXAT', string.format('%d', start + w))
end
