-- A responder's presence entry, refreshed: it expires TTL ms from now by
-- the server's clock (so the hosts' clocks need not agree). Expired
-- entries of others are dropped on the way, and the set itself expires
-- once every responder has gone.
--
-- KEYS[1]  the channel's presence sorted set (request.hpp)
-- ARGV[1]  the member (INSTANCE "\t" HOST)    ARGV[2]  TTL in ms, "0": remove it
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ttl == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
