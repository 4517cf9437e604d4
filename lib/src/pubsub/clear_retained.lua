-- Clearing a channel's retained state, as one atomic step: the state hash is
-- deleted and an empty message is published, which is how MQTT clients
-- (mosquitto_pub -r -n) announce a cleared retained message.
--
-- KEYS[1]  the state hash    ARGV[1]  channel    ARGV[2]  PUBLISH or SPUBLISH
local existed = redis.call('DEL', KEYS[1])
local receivers = redis.call(ARGV[2], ARGV[1], '')
return {receivers, existed}
