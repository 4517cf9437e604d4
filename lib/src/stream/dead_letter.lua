-- One batch of a group's pending entries, as one atomic step: each entry
-- delivered too often is moved to the dead-letter stream (its fields, then
-- where it came from) and acknowledged here; with a consumer to claim for,
-- the rest are claimed for it. The check and the move are one step, so an
-- entry a slow consumer acknowledged meanwhile is not pending any more and
-- is not moved; and every batch is checked, not only the first.
--
-- KEYS[1]  the stream    KEYS[2]  the dead-letter stream
-- ARGV[1]  the group     ARGV[2]  the most deliveries (moved at that many)
-- ARGV[3]  'own': the pending entries of consumer ARGV[4], none claimed;
--          'claim': anyone's, idle ARGV[5] ms or more, claimed for ARGV[4]
-- ARGV[6]  the first ID of the batch    ARGV[7]  the batch's size
-- Returns {the next batch's first ID ('0-0' after the last), the claimed
-- entries (as XCLAIM gives them), {ID, deliveries} of each entry moved}.
local group, most, consumer = ARGV[1], tonumber(ARGV[2]), ARGV[4]
local own, count = ARGV[3] == 'own', tonumber(ARGV[7])
local pending
if own then
  pending = redis.call('XPENDING', KEYS[1], group, ARGV[6], '+', count, consumer)
else
  pending = redis.call('XPENDING', KEYS[1], group, 'IDLE', ARGV[5], ARGV[6], '+', count)
end

local moved, to_claim = {}, {}
for _, p in ipairs(pending) do
  local id, deliveries = p[1], p[4]
  if deliveries >= most then
    local found = redis.call('XRANGE', KEYS[1], id, id)
    if #found == 1 then
      local fields = found[1][2]
      table.insert(fields, 'statesync_stream')
      table.insert(fields, KEYS[1])
      table.insert(fields, 'statesync_id')
      table.insert(fields, id)
      table.insert(fields, 'statesync_deliveries')
      table.insert(fields, tostring(deliveries))
      redis.call('XADD', KEYS[2], '*', unpack(fields))
      table.insert(moved, {id, deliveries})
    end
    redis.call('XACK', KEYS[1], group, id)
  elseif not own then
    table.insert(to_claim, id)
  end
end

local claimed = {}
if #to_claim > 0 then
  claimed = redis.call('XCLAIM', KEYS[1], group, consumer, ARGV[5], unpack(to_claim))
end

local next_id = '0-0'
if #pending == count then
  local ms, seq = string.match(pending[#pending][1], '^(%d+)-(%d+)$')
  next_id = ms .. '-' .. tostring(tonumber(seq) + 1)
end
return {next_id, claimed, moved}
