-- One Zoho call asks for budget: one round trip, releases riding along.
-- KEYS 1 rate (ZSET sliding log: member = lease id, score = grant ms)
--      2 leases (ZSET: member = lease id, score = expiry ms)
--      3 day (HASH: calendar: day, sum; rolling: <bucket> -> credits, sum, oldest)
--      4 halt (STRING "until|code|by|reason")   5 pause (STRING "until")
--      6 reads (STRING: last read ms)            7 readwait (STRING: until ms)
--      8 instances of the scope (ZSET: instance → last-seen ms)
--      9..11 leases of books, inventory, crm (for releases of any family)
-- ARGV 1 now_ms ('' = Redis TIME)  2 'i' read/webhook | 'b' sync  3 member (lease id)
--      4 window_ms  5 limit  6 sync_window_cap  7 lease_ms  8 concurrency  9 sync_concurrency_cap
--      10 credits  11 per_day (0 = none)  12 sync_day_cap  13 'c' calendar UTC | 'r' rolling 24 h
--      14 bucket_ms  15 readwait_ms  16 live_ttl_ms  17 instance member
--      18 max_wait_ms (-1: none; a read told to wait longer gives up, so it does not hold syncs)
--      19.. releases "<family index 0-2>:<lease id>"
-- Returns grant {1, 0, 0, live, now, window_used, in_flight, day_used}
--      or deny  {0, code, wait_ms, live, now, text}: 1 window, 2 concurrency, 3 daily (text =
--      day used), 4 halted (text = marker), 5 a read waits, 6 paused.
-- Markers keep their end in their value; their PX only collects garbage, so a pinned now_ms
-- decides alone. Numbers leave as integers (RESP2 truncates Lua numbers).
local DAY = 86400000
local GC = 60000
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function str(n) return string.format('%.0f', n) end

for a = 19, #ARGV do
  local sep = string.find(ARGV[a], ':', 1, true)
  local fam = tonumber(string.sub(ARGV[a], 1, sep - 1))
  redis.call('ZREM', KEYS[9 + fam], string.sub(ARGV[a], sep + 1))
end

local liveTtl = tonumber(ARGV[16])
redis.call('ZADD', KEYS[8], now, ARGV[17])
redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', str(now - 3600000))
redis.call('PEXPIRE', KEYS[8], 3600000)
local live = redis.call('ZCOUNT', KEYS[8], '(' .. str(now - liveTtl), '+inf')

local function deny(code, wait, text)
  return {0, code, math.max(1, math.floor(wait)), live, now, text or ''}
end
local function untilOf(key)
  local v = redis.call('GET', key)
  if not v then return 0, nil end
  local sep = string.find(v, '|', 1, true)
  return tonumber(sep and string.sub(v, 1, sep - 1) or v) or 0, v
end

local haltUntil, halt = untilOf(KEYS[4])
if haltUntil > now then return deny(4, haltUntil - now, halt) end
local pauseUntil = untilOf(KEYS[5])
if pauseUntil > now then return deny(6, pauseUntil - now) end

local interactive = ARGV[2] == 'i'
local window, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
local lastRead = tonumber(redis.call('GET', KEYS[6]) or '0')
local readsRecently = lastRead > 0 and lastRead + window > now
local readwaitMs, maxWait = tonumber(ARGV[15]), tonumber(ARGV[18])
-- A read told to wait keeps the slot for itself until it is back (wait + readwait_ms),
-- unless it will not wait that long.
local function markReadWait(wait)
  if not interactive or (maxWait >= 0 and wait > maxWait) then return end
  local untilMs = now + wait + readwaitMs
  if untilMs > tonumber(redis.call('GET', KEYS[7]) or '0') then
    redis.call('SET', KEYS[7], str(untilMs), 'PX', untilMs - now + GC)
  end
end
if interactive then
  redis.call('SET', KEYS[6], str(now), 'PX', window + GC)
  lastRead = now
else
  local waitUntil = untilOf(KEYS[7])
  if waitUntil > now then return deny(5, waitUntil - now) end
end

-- A grant at t counts while now < t + window.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', str(now - window))
local used = redis.call('ZCARD', KEYS[1])
local cap = limit
if not interactive and readsRecently then cap = tonumber(ARGV[6]) end
if used >= cap then
  local wait = lastRead + window - now
  if cap > 0 then
    local nth = redis.call('ZRANGE', KEYS[1], used - cap, used - cap, 'WITHSCORES')
    wait = tonumber(nth[2]) + window - now
  end
  wait = math.max(1, wait)
  markReadWait(wait)
  return deny(1, wait)
end

local leaseMs = tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', str(now))
local inFlight = redis.call('ZCARD', KEYS[2])
local ccap = tonumber(ARGV[8])
if not interactive then ccap = tonumber(ARGV[9]) end
if inFlight >= ccap then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local wait = math.max(1, math.min(50, tonumber(first[2]) - now))   -- releases usually come first: poll
  markReadWait(wait)
  return deny(2, wait)
end

local perDay, credits, spent = tonumber(ARGV[11]), tonumber(ARGV[10]), 0
if perDay > 0 then
  local dcap = perDay
  if not interactive then dcap = tonumber(ARGV[12]) end
  if ARGV[13] == 'c' then
    local day = math.floor(now / DAY)
    if tonumber(redis.call('HGET', KEYS[3], 'day') or '-1') ~= day then
      redis.call('DEL', KEYS[3])
      redis.call('HSET', KEYS[3], 'day', str(day), 'sum', 0)
    end
    spent = tonumber(redis.call('HGET', KEYS[3], 'sum') or '0')
    if spent + credits > dcap then return deny(3, (day + 1) * DAY - now, str(spent)) end
    redis.call('HINCRBY', KEYS[3], 'sum', credits)
    redis.call('PEXPIRE', KEYS[3], (day + 1) * DAY - now + GC)
  else
    -- Rolling 24 h in buckets: bucket b leaves once (b + 1) * bms + DAY <= now, so the
    -- sum is never below the truth.
    local bms = tonumber(ARGV[14])
    local cur = math.floor(now / bms)
    local first = math.floor((now - DAY) / bms)
    local oldest = tonumber(redis.call('HGET', KEYS[3], 'oldest') or str(first))
    if first - oldest > DAY / bms + 1 then
      redis.call('DEL', KEYS[3]); oldest = first
    end
    while oldest < first do
      local c = tonumber(redis.call('HGET', KEYS[3], str(oldest)) or '0')
      if c ~= 0 then
        redis.call('HINCRBY', KEYS[3], 'sum', -c); redis.call('HDEL', KEYS[3], str(oldest))
      end
      oldest = oldest + 1
    end
    redis.call('HSET', KEYS[3], 'oldest', str(oldest))
    spent = tonumber(redis.call('HGET', KEYS[3], 'sum') or '0')
    if spent + credits > dcap then
      local b = oldest
      while b < cur and tonumber(redis.call('HGET', KEYS[3], str(b)) or '0') == 0 do b = b + 1 end
      return deny(3, (b + 1) * bms + DAY - now, str(spent))
    end
    redis.call('HINCRBY', KEYS[3], str(cur), credits)
    redis.call('HINCRBY', KEYS[3], 'sum', credits)
    redis.call('PEXPIRE', KEYS[3], DAY + bms + GC)
  end
  spent = spent + credits
end

redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window + GC)
local expires = now + leaseMs
redis.call('ZADD', KEYS[2], expires, ARGV[3])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[2], math.max(1, tonumber(last[2]) - now) + GC)
if interactive then redis.call('DEL', KEYS[7]) end
return {1, 0, 0, live, now, used + 1, inFlight + 1, spent}
