-- Clearing a channel's retained state, as one atomic step: the state hash is
-- deleted, the channel leaves the index of retained channels, and an empty
-- message is published, which is how MQTT clients (mosquitto_pub -r -n)
-- announce a cleared retained message.
--
-- KEYS[1]  the state hash
-- ARGV[1]  channel          ARGV[2]  PUBLISH or SPUBLISH
-- ARGV[3]  the index of retained channels
-- ARGV[4]  the channel's version channel
-- Fenced (lib/src/lock/fence.lua): KEYS[2] the lock's fencing counter,
-- ARGV[5] the lock's name, ARGV[6] the writer's fencing token.
if KEYS[2] then
  local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
  if newest > tonumber(ARGV[6]) then
    return redis.error_reply(string.format("FENCED lock '%s' has fencing token %d now, newer than this writer's %s",
                                           ARGV[5], newest, ARGV[6]))
  end
end
local existed = redis.call('DEL', KEYS[1])
-- The index, where retain_publish.lua keeps it (not in a cluster).
local info = redis.pcall('INFO', 'cluster')
if not (type(info) == 'string' and string.find(info, 'cluster_enabled:1', 1, true)) then
  redis.call('ZREM', ARGV[3], ARGV[1])
end
if ARGV[2] == 'PUBLISH' then
  -- "clear" where a retain puts the version: statesync-sub -R tells a
  -- cleared state from an empty payload.
  redis.pcall('PUBLISH', ARGV[4], 'clear')
end
local receivers = redis.call(ARGV[2], ARGV[1], '')
return {receivers, existed}
