local s = now - (now % w)
local p, c = 0, 0
local v = call('GET', k)
if v then
  local vs, vp, vc = string.match(v, '^(%S+) (%S+) (%S+)$')
  vs = tonumber(vs)
  if vs == s then p = tonumber(vp); c = tonumber(vc)
  elseif vs == s - w then p = tonumber(vc) end
end
local function left()
  return max(0, floor(limit - ((p * (w - (now - s))) / w + c)))
end
local function wait(n)
  local at
  if c + n <= limit then at = s + w * (1 - (limit - c - n) / p)
  else at = s + w + max(0, w * (1 - (limit - n) / c)) end
  return ceil(max(1, at - now))
end
local function reset()
  if c > 0 then return ceil(s + 2 * w - now) end
  if p > 0 then return ceil(s + w - now) end
  return 0
end
local n = left()
if cost > n then
  local next = 0
  if n < limit then next = wait(n + 1) end
  return { nowUs, 0, n, reset(), wait(cost), next }
end
if ARGV[1] == '1' then
  c = c + cost
  n = n - cost
  call('SET', k, string.format('%d %d %d', s, p, c), 'PXAT', string.format('%d', s + 2 * w))
end
local next = 0
if n < limit then next = wait(n + 1) end
return { nowUs, 1, n, reset(), 0, next }
