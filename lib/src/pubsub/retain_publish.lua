-- A retained publish, as one atomic step: the payload becomes the channel's
-- state, its version goes up by one, its expiry is set (or dropped, so that
-- a retain without a TTL is permanent like any other), the channel joins
-- the index of retained channels, and the message is published. Subscribers
-- that read the state and then listen see no gap.
--
-- KEYS[1]  the state hash (statesync::retained_state_key)
-- ARGV[1]  channel          ARGV[2]  payload
-- ARGV[3]  TTL in ms, "0" for none
-- ARGV[4]  PUBLISH or SPUBLISH
-- ARGV[5]  payload field    ARGV[6]  version field  (retained.hpp names them)
-- ARGV[7]  the index of retained channels
-- ARGV[8]  the channel's version channel
-- Fenced (lib/src/lock/fence.lua): KEYS[2] the lock's fencing counter,
-- ARGV[9] the lock's name, ARGV[10] the writer's fencing token.
if KEYS[2] then
  local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
  if newest > tonumber(ARGV[10]) then
    return redis.error_reply(string.format("FENCED lock '%s' has fencing token %d now, newer than this writer's %s",
                                           ARGV[9], newest, ARGV[10]))
  end
end
redis.call('HSET', KEYS[1], ARGV[5], ARGV[2])
local version = redis.call('HINCRBY', KEYS[1], ARGV[6], 1)
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
-- The index, which statesync-sub -R -P reads: one for the server, so not
-- in a cluster, where a script may only touch its slot's keys and -R -P
-- is refused (and a second declared key would turn the ASK of a slot
-- migration into TRYAGAIN until it ends).
local info = redis.pcall('INFO', 'cluster')
if not (type(info) == 'string' and string.find(info, 'cluster_enabled:1', 1, true)) then
  redis.call('ZADD', ARGV[7], 0, ARGV[1])
end
if ARGV[4] == 'PUBLISH' then
  -- The version first, on its own channel, so that statesync-sub -R
  -- (subscribed to both in one transaction) pairs it with the message that
  -- follows, while other subscribers get the payload as it is. pcall: a
  -- user whose ACL refuses that channel still publishes, without versions.
  redis.pcall('PUBLISH', ARGV[8], tostring(version))
end
local receivers = redis.call(ARGV[4], ARGV[1], ARGV[2])
return {receivers, version}
