-- Zoho refused a call for its limits; every process learns it at once.
-- KEYS 1 rate  2 day  3 halt  4 pause
-- ARGV 1 now_ms ('' = Redis TIME)  2 'books' (Books, Inventory) | 'crm'  3 Zoho's code
--      4 '1' if X-Rate-Limit-Remaining: 0   5 '1' if X-API-CREDITS-REMAINING: 0
--      6 limit (per window)  7 window_ms  8 per_day  9 'c' | 'r'  10 bucket_ms
--      11 instance (who noted it)  12 reason for a halt
-- Books 44 (or X-Rate-Limit-Remaining: 0): the log is filled to the limit at now, so every
-- process waits out a whole window. Books 45 and spent CRM credits (the header, or a 429
-- while our own count is at 95 % of the day): halt until the reset. Anything else (1070,
-- CRM TOO_MANY_REQUESTS): pause for 1 s.
-- Returns {action, until_ms, now}: action 1 padded, 2 halted, 3 paused.
local DAY = 86400000
local GC = 60000
local PAUSE = 1000
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function str(n) return string.format('%.0f', n) end
local code, kind = ARGV[3], ARGV[2]
local perDay, bms = tonumber(ARGV[8]), tonumber(ARGV[10])

local function dayReset()
  if ARGV[9] == 'c' then return (math.floor(now / DAY) + 1) * DAY end
  -- rolling: the oldest bucket with credits is the next to give them back
  local cur = math.floor(now / bms)
  local b = math.max(math.floor((now - DAY) / bms), tonumber(redis.call('HGET', KEYS[2], 'oldest') or '0'))
  while b < cur and tonumber(redis.call('HGET', KEYS[2], str(b)) or '0') == 0 do b = b + 1 end
  if b >= cur and tonumber(redis.call('HGET', KEYS[2], str(cur)) or '0') == 0 then return now + bms end
  return (b + 1) * bms + DAY
end
local function halt(untilMs, haltCode)
  local old = redis.call('GET', KEYS[3])
  if old then
    local sep = string.find(old, '|', 1, true)
    local oldUntil = tonumber(string.sub(old, 1, sep - 1)) or 0
    if oldUntil >= untilMs then return {2, oldUntil, now} end
  end
  redis.call('SET', KEYS[3], str(untilMs) .. '|' .. haltCode .. '|' .. ARGV[11] .. '|' .. ARGV[12],
             'PX', untilMs - now + GC)
  return {2, untilMs, now}
end
local function pause()
  local untilMs = now + PAUSE
  local old = tonumber(redis.call('GET', KEYS[4]) or '0')
  if old > untilMs then untilMs = old end
  redis.call('SET', KEYS[4], str(untilMs), 'PX', untilMs - now + GC)
  return {3, untilMs, now}
end

if kind == 'crm' then
  local sum = tonumber(redis.call('HGET', KEYS[2], 'sum') or '0')
  if ARGV[5] == '1' or (code == 'TOO_MANY_REQUESTS' and perDay > 0 and sum * 100 >= perDay * 95) then
    return halt(dayReset(), 'daily_budget')
  end
  return pause()
end
if code == '45' then return halt((math.floor(now / DAY) + 1) * DAY, '45') end
if code == '44' or ARGV[4] == '1' then
  local limit, window = tonumber(ARGV[6]), tonumber(ARGV[7])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', str(now - window))
  local members = redis.call('ZRANGE', KEYS[1], 0, -1)
  for _, m in ipairs(members) do redis.call('ZADD', KEYS[1], 'GT', now, m) end
  local n = #members
  local i = 0
  while n < limit do
    i = i + 1
    if redis.call('ZADD', KEYS[1], 'NX', now, 'pad:' .. str(now) .. ':' .. ARGV[11] .. ':' .. i) == 1 then n = n + 1 end
  end
  redis.call('PEXPIRE', KEYS[1], window + GC)
  return {1, now + window, now}
end
return pause()
