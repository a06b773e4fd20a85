-- Counts of the current aligned window and the one before it: "start prev cur", PXAT two windows
-- on. The estimate weighs the previous count by how much of it the rolling window still overlaps.
local PREV, CUR = {}, {}

local function counts(v, s, w)
  if not v then return 0, 0 end
  local vs, vp, vc = string.match(v, '^(%S+) (%S+) (%S+)$')
  vs = tonumber(vs)
  if vs == s then return tonumber(vp), tonumber(vc) end
  if vs == s - w then return tonumber(vc), 0 end
  return 0, 0
end

local function left(l, w, s, p, c)
  return max(0, floor(l - ((p * (w - (now - s))) / w + c)))
end

-- How long until `cost` fits: in this window if the previous count's weight can shrink enough,
-- else in the next one once this window's count has decayed enough.
local function wait(l, w, s, p, c, cost)
  local at
  if c + cost <= l then at = s + w * (1 - (l - c - cost) / p)
  else at = s + w + max(0, w * (1 - (l - cost) / c)) end
  return ceil(max(1, at - now))
end

local function outcome(j, l, w, s, p, c, cost, admitted)
  local n = left(l, w, s, p, c)
  out[j + 2] = n
  if c > 0 then out[j + 3] = ceil(s + 2 * w - now)
  elseif p > 0 then out[j + 3] = ceil(s + w - now)
  else out[j + 3] = 0 end
  if admitted or cost <= n then out[j + 4] = 0 else out[j + 4] = wait(l, w, s, p, c, cost) end
  if n >= l then out[j + 5] = 0 else out[j + 5] = wait(l, w, s, p, c, n + 1) end
end

local function check(i, k, a, j, cost)
  local w = tonumber(ARGV[a + 1])
  local s = now - (now % w)
  local p, c = counts(call('GET', k), s, w)
  PREV[i] = p; CUR[i] = c
  return cost <= left(tonumber(ARGV[a]), w, s, p, c)
end

local function finish(i, k, a, j, cost)
  local w = tonumber(ARGV[a + 1])
  outcome(j, tonumber(ARGV[a]), w, now - (now % w), PREV[i], CUR[i], cost, false)
end

local function store(k, s, w, p, c)
  call('SET', k, string.format('%d %d %d', s, p, c), 'PXAT', string.format('%d', s + 2 * w))
end

local function write(i, k, a, j, units, admitted, cost)
  local w = tonumber(ARGV[a + 1])
  local s = now - (now % w)
  local c = CUR[i] + units
  store(k, s, w, PREV[i], c)
  outcome(j, tonumber(ARGV[a]), w, s, PREV[i], c, cost, admitted)
end

-- Units go back to the window they were charged in, if it still counts; extra units to this one.
local function give(k, a, units, at)
  local w = tonumber(ARGV[a + 1])
  local s = now - (now % w)
  local p, c = counts(call('GET', k), s, w)
  local atMs = tonumber(at) / 1000
  local from = atMs - (atMs % w)
  if units < 0 or from == s then c = max(0, c - units)
  elseif from == s - w then p = max(0, p - units)
  else return end
  store(k, s, w, p, c)
end
