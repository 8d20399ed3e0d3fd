-- The shared totals of every family, for the console: one round trip, read-only.
-- KEYS per family f = 0..2 at 5f+1..5f+5: rate, leases, day, halt, pause; KEYS 16 instances of the scope
-- ARGV 1 now_ms ('' = Redis TIME)  2 live_ttl_ms  then per family at 3f+3..3f+5:
--      window_ms, 'c' | 'r', bucket_ms
-- Returns {now, live, then per family: window_used, in_flight, day_used, halt_until, pause_until,
--          halt marker ('' if none)}
-- The console (ARGV 12 = 'i') also gets who holds them, from the same view, so the parts add
-- up to the totals: KEYS 17 the instances of the CRM scope, 18 the shared token's key. Then
--   per family {other_window, id, window_used, in_flight, id, …} (members are
--   "<instance>:<seq>"; other = the padding Zoho's 44 left, nobody's call),
--   {id, last acquire ms, …} the live instances of both scopes,
--   the token's clear header ('' if none): the sealed token never leaves Redis.
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
if ARGV[12] ~= 'i' then return out end

local function owner(m)
  if string.sub(m, 1, 4) == 'pad:' then return nil end
  return string.match(m, '^(.*):[^:]*$') or m
end
for f = 0, 2 do
  local k = 5 * f
  local window = tonumber(ARGV[3 * f + 3])
  local split, order, other = {}, {}, 0
  local function count(m, slot)
    local id = owner(m)
    if not id then other = other + 1; return end
    if not split[id] then split[id] = {0, 0}; order[#order + 1] = id end
    split[id][slot] = split[id][slot] + 1
  end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k + 1], '(' .. str(now - window), '+inf')) do count(m, 1) end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k + 2], '(' .. str(now), '+inf')) do count(m, 2) end
  local list = {other}
  for _, id in ipairs(order) do
    list[#list + 1] = id; list[#list + 1] = split[id][1]; list[#list + 1] = split[id][2]
  end
  out[#out + 1] = list
end
local seen, live = {}, {}
for _, key in ipairs({KEYS[16], KEYS[17]}) do
  local entries = redis.call('ZRANGEBYSCORE', key, '(' .. str(now - tonumber(ARGV[2])), '+inf', 'WITHSCORES')
  for i = 1, #entries, 2 do
    local id, at = entries[i], tonumber(entries[i + 1])
    if not seen[id] then seen[id] = #live + 2; live[#live + 1] = id; live[#live + 1] = str(at)
    elseif at > tonumber(live[seen[id]]) then live[seen[id]] = str(at) end
  end
end
out[#out + 1] = live
local record = redis.call('GET', KEYS[18]) or ''
local cut = string.find(record, '%.[^%.]*$')
out[#out + 1] = cut and string.sub(record, 1, cut - 1) or ''
return out
