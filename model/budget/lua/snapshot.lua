-- The shared totals of every family, for the console: one round trip, read-only.
-- KEYS per family f = 0..2 at 5f+1..5f+5: rate, leases, day, halt, pause; KEYS 16 instances of the scope
-- ARGV 1 now_ms ('' = Redis TIME)  2 live_ttl_ms  then per family at 3f+3..3f+5:
--      window_ms, 'c' | 'r', bucket_ms
-- Returns {now, live, then per family: window_used, in_flight, day_used, halt_until, pause_until,
--          halt marker ('' if none)}
local DAY = 86400000
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function str(n) return string.format('%.0f', n) end
local out = {now, redis.call('ZCOUNT', KEYS[16], '(' .. str(now - tonumber(ARGV[2])), '+inf')}
for f = 0, 2 do
  local k, a = 5 * f, 3 * f + 3
  local window, kind, bms = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  out[#out + 1] = redis.call('ZCOUNT', KEYS[k + 1], '(' .. str(now - window), '+inf')
  out[#out + 1] = redis.call('ZCOUNT', KEYS[k + 2], '(' .. str(now), '+inf')
  local day = 0
  if kind == 'c' then
    if tonumber(redis.call('HGET', KEYS[k + 3], 'day') or '-1') == math.floor(now / DAY) then
      day = tonumber(redis.call('HGET', KEYS[k + 3], 'sum') or '0')
    end
  else
    -- the sum less the buckets that have left since the last acquire trimmed them
    day = tonumber(redis.call('HGET', KEYS[k + 3], 'sum') or '0')
    local first = math.floor((now - DAY) / bms)
    local b = tonumber(redis.call('HGET', KEYS[k + 3], 'oldest') or str(first))
    local steps = 0
    while b < first and steps < DAY / bms + 2 do
      day = day - tonumber(redis.call('HGET', KEYS[k + 3], str(b)) or '0')
      b = b + 1; steps = steps + 1
    end
  end
  out[#out + 1] = day
  local halt = redis.call('GET', KEYS[k + 4]) or ''
  local haltUntil = 0
  if halt ~= '' then
    haltUntil = tonumber(string.sub(halt, 1, (string.find(halt, '|', 1, true) or 0) - 1)) or 0
  end
  if haltUntil <= now then haltUntil = 0; halt = '' end
  local pauseUntil = tonumber(redis.call('GET', KEYS[k + 5]) or '0')
  if pauseUntil <= now then pauseUntil = 0 end
  out[#out + 1] = haltUntil
  out[#out + 1] = pauseUntil
  out[#out + 1] = halt
end
return out
