-- A request, as one atomic step: the presence entries of the channel's
-- responders are read (expired ones dropped first) and the request is
-- published, so the requester knows both who was there and how many
-- received it.
--
-- KEYS[1]  the channel's presence sorted set (request.hpp)
-- ARGV[1]  PUBLISH or SPUBLISH    ARGV[2]  channel    ARGV[3]  the envelope
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local present = redis.call('ZRANGE', KEYS[1], 0, -1)
local receivers = redis.call(ARGV[1], ARGV[2], ARGV[3])
return {receivers, present}
