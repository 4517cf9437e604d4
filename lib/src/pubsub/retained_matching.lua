-- The retained states of every channel a PSUBSCRIBE pattern matches, for
-- statesync-sub -R -P. Run inside the MULTI/EXEC that subscribes, so the
-- states and the subscription start in the same instant.
--
-- ARGV[1]: the state keys' prefix (<prefix>state:), ARGV[2]: the same
-- prefix with glob characters escaped, ARGV[3]: the pattern, ARGV[4] and
-- ARGV[5]: the payload and version field names. KEYS matches
-- with the same glob rules as PSUBSCRIBE, so prefix .. pattern finds
-- exactly the channels the pattern will deliver.
-- Returns {channel, payload, version} triples, sorted by channel.
local skip = #ARGV[1] + 1
local keys = redis.call('KEYS', ARGV[2] .. ARGV[3])
table.sort(keys)
local states = {}
for _, key in ipairs(keys) do
  if redis.call('TYPE', key).ok == 'hash' then
    local state = redis.call('HMGET', key, ARGV[4], ARGV[5])
    if state[1] then
      states[#states + 1] = {string.sub(key, skip), state[1], state[2]}
    end
  end
end
return states
