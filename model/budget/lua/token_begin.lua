-- May this process refresh the shared OAuth token? One round trip, atomic.
-- KEYS 1 token  2 lock  3 refreshes (ZSET: when each refresh happened)  4 throttled
-- ARGV 1 now_ms  2 owner (the lock's value)  3 lock_ms  4 window_ms  5 refresh limit per window
-- Returns {kind, ms, text}: {3, 0, record} present; {2, wait, why} throttled;
-- {1, 0, ''} granted (lock taken); {0, lock pttl, lock owner} held elsewhere.
local now = tonumber(ARGV[1])
local record = redis.call('GET', KEYS[1])
if record then return {3, 0, record} end
local throttled = redis.call('GET', KEYS[4])
if throttled then return {2, math.max(1, redis.call('PTTL', KEYS[4])), throttled} end
local window, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[3])
if used >= limit then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  return {2, math.max(1, tonumber(oldest[2]) + window - now), 'refresh log full: ' .. used .. ' refreshes in ' .. math.floor(window / 1000) .. ' s'}
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {1, 0, ''} end
return {0, math.max(1, redis.call('PTTL', KEYS[2])), redis.call('GET', KEYS[2]) or ''}
