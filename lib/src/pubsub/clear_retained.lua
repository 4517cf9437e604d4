-- Clearing a channel's retained state, as one atomic step: the state hash is
-- deleted, the channel leaves the index of retained channels, and an empty
-- message is published, which is how MQTT clients (mosquitto_pub -r -n)
-- announce a cleared retained message.
--
-- KEYS[1]  the state hash   KEYS[2]  the index of KEYS[1]'s cluster slot
-- ARGV[1]  channel          ARGV[2]  PUBLISH or SPUBLISH
-- ARGV[3]  the index of a server that is not a cluster
-- ARGV[4]  the channel's version channel
local existed = redis.call('DEL', KEYS[1])
-- The index as retain_publish.lua chooses it.
local info = redis.pcall('INFO', 'cluster')
local cluster = type(info) == 'string' and string.find(info, 'cluster_enabled:1', 1, true)
redis.call('ZREM', cluster and KEYS[2] or ARGV[3], ARGV[1])
if ARGV[2] == 'PUBLISH' then
  -- "clear" where a retain puts the version: statesync-sub -R tells a
  -- cleared state from an empty payload.
  redis.pcall('PUBLISH', ARGV[4], 'clear')
end
local receivers = redis.call(ARGV[2], ARGV[1], '')
return {receivers, existed}
