local start = now - (now % w)
local count = 0
local v = call('GET', k)
if v then
  local vs, vc = string.match(v, '^(%S+) (%S+)$')
  if tonumber(vs) == start then count = tonumber(vc) end
end
local untilEnd = ceil(start + w - now)
if cost > limit - count then
  local waits = 0
  if count > 0 then waits = untilEnd end
  return { nowUs, 0, max(0, limit - count), waits, max(1, untilEnd), waits }
end
if ARGV[1] == '1' then
  count = count + cost
  call('SET', k, string.format('%d %d', start, count), 'PXAT', string.format('%d', start + w))
end
if count > 0 then return { nowUs, 1, limit - count, untilEnd, 0, untilEnd } end
return { nowUs, 1, limit, 0, 0, 0 }
