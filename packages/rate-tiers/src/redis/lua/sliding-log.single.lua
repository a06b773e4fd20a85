-- Charging pushes first and rolls back on a denial: RPUSH answers the length, which saves the
-- LLEN of every admitted call at the price of an LTRIM on denials (rarer, and the block cache
-- absorbs a flood of them).
local edge = now - w
local head = call('LINDEX', k, 0)
if head and tonumber(head) <= edge then
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
end
local function leaves(idx)
  local e = head
  if idx > 0 then e = call('LINDEX', k, idx) end
  return ceil(max(1, tonumber(e) + w - now))
end
local used = 0
if ARGV[1] == '1' then
  local at = nowStamp()
  local len
  if cost == 1 then
    len = call('RPUSH', k, at)
  else
    local c = 0
    while c < cost do
      local args = {}
      local stop = min(cost, c + 1000)
      while c < stop do c = c + 1; args[#args + 1] = at end
      len = call('RPUSH', k, unpack(args))
    end
  end
  used = len - cost
  if cost <= limit - used then
    call('PEXPIRE', k, w)
    -- More quota once the oldest entry leaves: an earlier one, or this call's own.
    if used > 0 then return { nowUs, 1, limit - used - cost, w, 0, leaves(0) } end
    return { nowUs, 1, limit - cost, w, 0, w }
  end
  -- Denied: take this call's entries back off the tail.
  call('LTRIM', k, 0, used - 1)
elseif head then
  used = call('LLEN', k)
end
local left = limit - used
local r = max(0, left)
if used == 0 then return { nowUs, 1, r, 0, 0, 0 } end
local reset = ceil(tonumber(call('LINDEX', k, -1)) + w - now)
local retry = 0
if cost > left then retry = leaves(cost - left - 1) end
local allowed = 0
if cost <= left then allowed = 1 end
return { nowUs, allowed, r, reset, retry, leaves(r - left) }
