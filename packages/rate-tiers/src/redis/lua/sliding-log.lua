-- Exact: a list of admission stamps, oldest first (one entry per unit). Pushes and pops at the
-- ends are O(1), where a sorted set pays an O(n) insert per unit while it is small.
local USED, HEAD = {}, {}

-- Entries at or before now - window have left it: pop them, a short head at a time.
local function prune(k, w)
  local edge = now - w
  local head = call('LINDEX', k, 0)
  if not head or tonumber(head) > edge then return head end
  local size = 4
  repeat
    local batch = call('LRANGE', k, 0, size - 1)
    local m = 0
    while m < #batch and tonumber(batch[m + 1]) <= edge do m = m + 1 end
    if m > 0 then call('LPOP', k, m) end
    head = batch[m + 1]
    local more = m == size
    size = 64
  until not more
  return head
end

local function check(i, k, a, j, cost)
  local head = prune(k, tonumber(ARGV[a + 1]))
  local used = 0
  if head then used = call('LLEN', k) end
  USED[i], HEAD[i] = used, head
  return cost <= tonumber(ARGV[a]) - used
end

-- The wait until entry `idx` (0 = oldest) leaves the window.
local function leaves(k, idx, w, first)
  local e = first
  if idx > 0 or not e then e = call('LINDEX', k, idx) end
  return ceil(max(1, tonumber(e) + w - now))
end

-- More quota once the entry that holds the next unit leaves: the oldest, or a later one when over.
local function finish(i, k, a, j, cost)
  local limit, w = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local used = USED[i]
  local left = limit - used
  local r = max(0, left)
  out[j + 2] = r
  if used == 0 then
    out[j + 3] = 0; out[j + 5] = 0
  else
    out[j + 3] = ceil(tonumber(call('LINDEX', k, -1)) + w - now)
    out[j + 5] = leaves(k, r - left, w, HEAD[i])
  end
  if cost <= left then out[j + 4] = 0 else out[j + 4] = leaves(k, cost - left - 1, w, HEAD[i]) end
end

local function push(k, units)
  if units == 1 then return call('RPUSH', k, nowStamp) end
  local len, c = 0, 0
  while c < units do
    local args = {}
    local stop = min(units, c + 1000)
    while c < stop do c = c + 1; args[#args + 1] = nowStamp end
    len = call('RPUSH', k, unpack(args))
  end
  return len
end

-- Charged denials (penalties) keep only the newest `limit` entries: for admission that is the same
-- as keeping them all (either way the key is over until they age out), and bounds the list.
local function write(i, k, a, j, units, admitted, cost)
  local limit, w = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local used = push(k, units)
  call('PEXPIRE', k, w)
  local kept = USED[i]
  if used > limit and not admitted then
    call('LTRIM', k, -limit, -1)
    kept = max(0, kept - (used - limit))
    used = limit
  end
  local left = limit - used
  local r = max(0, left)
  out[j + 2] = r
  out[j + 3] = w
  -- Entries at or past `kept` are this call's: they leave a whole window from now.
  local first = nil
  if kept == USED[i] then first = HEAD[i] end
  if r - left >= kept then out[j + 5] = w else out[j + 5] = leaves(k, r - left, w, first) end
  if admitted or cost <= left then out[j + 4] = 0
  elseif cost - left - 1 >= kept then out[j + 4] = w
  else out[j + 4] = leaves(k, cost - left - 1, w, first) end
end

-- Gives back this decision's own entries (by their stamp, from the newest); extra units are new entries.
local function give(k, a, units, at)
  if units > 0 then
    call('LREM', k, -units, stamp(at))
  else
    push(k, -units)
    call('PEXPIRE', k, tonumber(ARGV[a + 1]))
  end
end
