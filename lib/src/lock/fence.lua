-- A write that only the newest holder of a lock may make (fencing): the
-- lock's fencing counter is read and the command run in one step, so a
-- holder that was paused and lost its lease cannot overwrite what its
-- successor wrote. retain_publish.lua and clear_retained.lua make the same
-- check when they are given a fence.
--
-- KEYS[1]  the lock's fencing counter (lock.hpp); KEYS[2], when given, the
--          key the command writes (so that a cluster routes and checks it)
-- ARGV[1]  the lock's name, for the refusal's message
-- ARGV[2]  the writer's fencing token
-- ARGV[3..] the command (PUBLISH, SPUBLISH, XADD ...)
local newest = tonumber(redis.call('GET', KEYS[1]) or '0')
if newest > tonumber(ARGV[2]) then
  return redis.error_reply(string.format("FENCED lock '%s' has fencing token %d now, newer than this writer's %s",
                                         ARGV[1], newest, ARGV[2]))
end
return redis.call(unpack(ARGV, 3))
