local burst = tonumber(ARGV[5])
local interval = w / limit
local lv = 0
local v = call('GET', k)
if v then
  local sp = string.find(v, ' ', 1, true)
  lv = max(0, tonumber(string.sub(v, 1, sp - 1)) - (now - tonumber(string.sub(v, sp + 1))) / interval)
end
local left = max(0, floor(burst - lv + 1e-9))
local function next()
  if left >= burst then return 0 end
  return ceil(max(1, (lv + left + 1 - burst - 1e-9) * interval))
end
if cost > left then
  return { nowUs, 0, left, ceil(lv * interval), ceil(max(1, (lv + cost - burst) * interval)), next() }
end
if ARGV[1] == '1' then
  lv = lv + cost
  left = left - cost
  call('SET', k, string.format('%.9f ', lv) .. nowStamp(), 'PX', max(1, ceil(lv * interval)))
end
return { nowUs, 1, left, ceil(lv * interval), 0, next() }
