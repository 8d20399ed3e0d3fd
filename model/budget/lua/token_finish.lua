-- Stores a freshly refreshed token and logs the refresh. The token is always stored: it
-- is valid, even if this process's lock ran out and another took it meanwhile.
-- KEYS 1 token  2 lock  3 refreshes
-- ARGV 1 record  2 ttl_ms  3 now_ms  4 owner (lock value, also the log member)  5 window_ms
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return 1
