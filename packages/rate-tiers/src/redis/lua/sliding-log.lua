-- Exact: a list of admission stamps, oldest first (one entry per unit). Pushes and pops at the
-- ends are O(1), where a sorted set pays an O(n) insert per unit while it is small.
local USED, HEAD = {}, {}

-- Entries at or before now - window have left it: pop them, a short head at a time.
local function prune(k, w)
  local edge = now - w
  local head = redis.call('LINDEX', k, 0)
  if not head or tonumber(head) > edge then return head end
  local size = 4
  repeat
    local batch = redis.call('LRANGE', k, 0, size - 1)
    local m = 0
    while m < #batch and tonumber(batch[m + 1]) <= edge do m = m + 1 end
    if m > 0 then redis.call('LPOP', k, m) end
    head = batch[m + 1]
    local more = m == size
    size = 64
  until not more
  return head
end

local function check(i, k, a, j, cost)
  local limit, w = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local head = prune(k, w)
  local used = 0
  if head then used = redis.call('LLEN', k) end
  USED[i], HEAD[i] = used, head
  local left = limit - used
  local r = math.max(0, left)
  out[j + 2] = r
  out[j + 3] = 0
  if cost <= left then out[j + 4] = 0
  else out[j + 4] = math.ceil(math.max(1, tonumber(redis.call('LINDEX', k, cost - left - 1)) + w - now)) end
  -- More quota once the entry that holds the next unit leaves: the oldest, or later ones when over.
  if used == 0 then out[j + 5] = 0
  elseif r == left then out[j + 5] = math.ceil(math.max(1, tonumber(head) + w - now))
  else out[j + 5] = math.ceil(math.max(1, tonumber(redis.call('LINDEX', k, r - left)) + w - now)) end
  return cost <= left
end

-- Time until the usage drains: when the newest entry leaves.
local function finish(i, k, a, j)
  if USED[i] > 0 then
    out[j + 3] = math.ceil(tonumber(redis.call('LINDEX', k, -1)) + tonumber(ARGV[a + 1]) - now)
  end
end

local function push(k, units)
  if units == 1 then return redis.call('RPUSH', k, nowStamp) end
  local len, c = 0, 0
  while c < units do
    local args = {}
    local stop = math.min(units, c + 1000)
    while c < stop do c = c + 1; args[#args + 1] = nowStamp end
    len = redis.call('RPUSH', k, unpack(args))
  end
  return len
end

-- Charged denials (penalties) keep only the newest `limit` entries: for admission that is the same
-- as keeping them all (either way the key is over until they age out), and bounds the list.
local function write(i, k, a, j, units, admitted, cost)
  local limit, w = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local used = push(k, units)
  redis.call('PEXPIRE', k, w)
  local kept = USED[i]
  if used > limit and not admitted then
    redis.call('LTRIM', k, -limit, -1)
    kept = math.max(0, kept - (used - limit))
    used = limit
  end
  local left = limit - used
  local r = math.max(0, left)
  out[j + 2] = r
  out[j + 3] = w
  local function at(idx)
    if idx >= kept then return w end
    if idx == 0 and kept == USED[i] then return math.ceil(math.max(1, tonumber(HEAD[i]) + w - now)) end
    return math.ceil(math.max(1, tonumber(redis.call('LINDEX', k, idx)) + w - now))
  end
  if admitted or cost <= left then out[j + 4] = 0 else out[j + 4] = at(cost - left - 1) end
  out[j + 5] = at(r - left)
end

-- Gives back this decision's own entries (by their stamp, from the newest); extra units are new entries.
local function give(k, a, units, at)
  if units > 0 then
    redis.call('LREM', k, -units, stamp(at))
  else
    push(k, -units)
    redis.call('PEXPIRE', k, tonumber(ARGV[a + 1]))
  end
end
