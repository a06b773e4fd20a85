-- The driver, after the prelude and one algorithm. The algorithm defines check (read the state;
-- does the cost fit?), write (charge units; fill the outcome), finish (fill the outcome of a limit
-- left unwritten) and give (adjust).
local KEY, ARG, FLAG, BLOCKED, BKEY = {}, {}, {}, {}, {}
local o, ki, ai = 1, 0, 3
if ARGV[1] == 'd' then
  for _ = 1, tonumber(ARGV[2]) do
    local charge = ARGV[ai] == '1'
    local cost = tonumber(ARGV[ai + 1])
    local lease = ARGV[ai + 2]
    local n = tonumber(ARGV[ai + 3])
    ai = ai + 4
    local ok = true
    if n == 1 and ARGV[ai + 3] == '0' then
      -- The common decision in a batch, one plain limit: the same steps without the tables.
      ki = ki + 1
      local k, a, j = KEYS[ki], ai, o
      ai = ai + 4
      if check(1, k, a, j, cost) then
        out[j + 1] = 1
        if charge then write(1, k, a, j, cost, true, cost) else finish(1, k, a, j, cost) end
      else
        out[j + 1] = 0
        finish(1, k, a, j, cost)
      end
      n = 0
      o = o + 5
    end
    -- Check every limit before anything is written: a decision charges all or nothing.
    for i = 1, n do
      ki = ki + 1
      local k, f, j = KEYS[ki], tonumber(ARGV[ai + 3]), o + 5 * (i - 1)
      KEY[i], ARG[i], FLAG[i], BLOCKED[i] = k, ai, f, false
      ai = ai + 4
      local allowed
      if f >= 8 then
        ki = ki + 1
        BKEY[i] = KEYS[ki]
        ai = ai + 4
        BLOCKED[i] = blockRead(i, KEYS[ki], j)
      end
      if BLOCKED[i] then
        allowed = false
      elseif f % 2 == 1 then
        allowed = leaseCheck(k, ARG[i], j)
      else
        allowed = check(i, k, ARG[i], j, cost, charge)
      end
      if allowed then out[j + 1] = 1 else out[j + 1] = 0 end
      if not allowed and f % 4 < 2 then ok = false end
    end
    for i = 1, n do
      local k, a, f, j = KEY[i], ARG[i], FLAG[i], o + 5 * (i - 1)
      local concurrency, shadow = f % 2 == 1, f % 4 >= 2
      local written = false
      if charge and not BLOCKED[i] then
        if ok then
          -- A shadow limit counts what enforcing it would have counted: only calls it admits.
          if not shadow or out[j + 1] == 1 then
            if concurrency then leaseTake(k, a, j, lease)
            else write(i, k, a, j, cost, true, cost); written = true end
          end
        elseif not shadow and not concurrency and f % 8 >= 4 then
          write(i, k, a, j, cost, out[j + 1] == 1, cost); written = true
        end
      end
      if not written and not concurrency and not BLOCKED[i] then finish(i, k, a, j, cost) end
      -- A limit that denied a charged call blocks the key on it, after its outcome is known.
      if charge and not ok and f >= 8 and not BLOCKED[i] and not shadow and out[j + 1] == 0 then
        blockSet(i, BKEY[i], a + 4, j)
      end
    end
    o = o + 5 * n
  end
else
  for _ = 1, tonumber(ARGV[2]) do
    local units, at, held = tonumber(ARGV[ai]), ARGV[ai + 1], tonumber(ARGV[ai + 2])
    local lease, n = ARGV[ai + 3], tonumber(ARGV[ai + 4])
    ai = ai + 5
    for _ = 1, n do
      ki = ki + 1
      local k, a = KEYS[ki], ai
      ai = ai + 4
      if tonumber(ARGV[a + 3]) % 2 == 1 then
        if lease ~= '' then call('ZREM', k, lease) end
      elseif units ~= 0 then
        give(k, a, units, at, held)
      end
    end
  end
end
return out
