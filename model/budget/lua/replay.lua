-- Back on Redis after a fallback: the calls made on this process's share go into the shared
-- counts, so the log and the day are not under-counted; leases still held join the leases.
-- KEYS 1 rate  2 leases  3 day
-- ARGV 1 now_ms ('' = Redis TIME)  2 window_ms  3 'c' | 'r'  4 bucket_ms  5 per_day (0 = none)
--      6 n_calls, then n_calls triples (grant_ms, member, credits), then pairs (expiry_ms, member)
-- Returns {calls added to the log, leases added}
local DAY = 86400000
local GC = 60000
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function str(n) return string.format('%.0f', n) end
local window, kind, bms, perDay = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local logged, leased = 0, 0
for i = 0, n - 1 do
  local at, member, credits = tonumber(ARGV[7 + 3 * i]), ARGV[8 + 3 * i], tonumber(ARGV[9 + 3 * i])
  if at + window > now then
    logged = logged + redis.call('ZADD', KEYS[1], 'NX', at, member)
  end
  if perDay > 0 then
    if kind == 'c' then
      local day = math.floor(at / DAY)
      local cur = tonumber(redis.call('HGET', KEYS[3], 'day') or '-1')
      if cur ~= math.floor(now / DAY) then
        redis.call('DEL', KEYS[3]); redis.call('HSET', KEYS[3], 'day', str(math.floor(now / DAY)), 'sum', 0)
      end
      if day == math.floor(now / DAY) then redis.call('HINCRBY', KEYS[3], 'sum', credits) end
      redis.call('PEXPIRE', KEYS[3], (math.floor(now / DAY) + 1) * DAY - now + GC)
    else
      local b = math.floor(at / bms)
      local oldest = tonumber(redis.call('HGET', KEYS[3], 'oldest') or str(b))
      if (b + 1) * bms + DAY > now then
        redis.call('HINCRBY', KEYS[3], str(b), credits)
        redis.call('HINCRBY', KEYS[3], 'sum', credits)
        if b < oldest then oldest = b end
        redis.call('HSET', KEYS[3], 'oldest', str(oldest))
        redis.call('PEXPIRE', KEYS[3], DAY + bms + GC)
      end
    end
  end
end
redis.call('PEXPIRE', KEYS[1], window + GC)
local base = 7 + 3 * n
for i = base, #ARGV - 1, 2 do
  local expires = tonumber(ARGV[i])
  if expires > now then
    leased = leased + redis.call('ZADD', KEYS[2], 'NX', expires, ARGV[i + 1])
  end
end
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIRE', KEYS[2], math.max(1, tonumber(last[2]) - now) + GC) end
return {logged, leased}
