-- A refresh failed: release the lock if still ours; optionally note the throttle.
-- KEYS 1 lock  2 throttled
-- ARGV 1 owner  2 throttled_ms (0 = not throttled)  3 throttled marker value
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
return 1
