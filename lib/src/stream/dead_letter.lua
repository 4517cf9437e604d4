-- Moving a poison entry to the dead-letter stream, as one atomic step: the
-- entry is added there (its fields, then where it came from) and
-- acknowledged here, so it is neither lost nor handled again in between.
--
-- KEYS[1]  the stream    KEYS[2]  the dead-letter stream
-- ARGV[1]  the group     ARGV[2]  the entry ID    ARGV[3]  its deliveries
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local moved = 0
if #found == 1 then
  local fields = found[1][2]
  table.insert(fields, 'statesync_stream')
  table.insert(fields, KEYS[1])
  table.insert(fields, 'statesync_id')
  table.insert(fields, ARGV[2])
  table.insert(fields, 'statesync_deliveries')
  table.insert(fields, ARGV[3])
  redis.call('XADD', KEYS[2], '*', unpack(fields))
  moved = 1
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return moved
