-- A retained publish, as one atomic step: the payload becomes the channel's
-- state, its version goes up by one, its expiry is set (or dropped, so that
-- a retain without a TTL is permanent like any other), and the message is
-- published. Subscribers that read the state and then listen see no gap.
--
-- KEYS[1]  the state hash (statesync::retained_state_key)
-- ARGV[1]  channel          ARGV[2]  payload
-- ARGV[3]  TTL in ms, "0" for none
-- ARGV[4]  PUBLISH or SPUBLISH
-- ARGV[5]  payload field    ARGV[6]  version field  (retained.hpp names them)
redis.call('HSET', KEYS[1], ARGV[5], ARGV[2])
local version = redis.call('HINCRBY', KEYS[1], ARGV[6], 1)
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
local receivers = redis.call(ARGV[4], ARGV[1], ARGV[2])
return {receivers, version}
