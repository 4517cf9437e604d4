-- Every operation on one lock (or counting semaphore), in one script so the
-- helpers are shared and each operation is atomic. See lock.hpp for the keys.
-- KEYS: lock, fence, signal, info, holders, limit
-- ARGV[1]: the operation; the rest depends on it (below).
-- Times are the server's (TIME), so hosts' clocks never matter.
local lock, fence, signal, info, holders, limit_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op = ARGV[1]

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Waiters block on the signal list; a release pushes one element per freed
-- place (BLPOP serves the longest waiter first), keeping at most `keep`.
-- It expires soon: a waiter that missed it falls back on its timer.
local function wake(count, keep)
  for _ = 1, count do
    redis.call('LPUSH', signal, '1')
  end
  redis.call('LTRIM', signal, 0, keep - 1)
  redis.call('PEXPIRE', signal, 10000)
end

-- Semaphore holders whose lease ended are gone: drop them and their info.
local function prune()
  local expired = redis.call('ZRANGEBYSCORE', holders, '-inf', now)
  if #expired > 0 then
    redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
    redis.call('HDEL', info, unpack(expired))
  end
end

-- The semaphore's keys live as long as its longest lease.
local function extend(limit)
  local last = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')
  local keep = tonumber(last[2]) - now
  redis.call('PEXPIRE', holders, keep)
  redis.call('SET', limit_key, limit, 'PX', keep)
  redis.call('PEXPIRE', info, keep)
end

local function stamp(token, ttl, f, who)
  redis.call('HSET', info, token, string.format('%d %d %d %s', f, now, ttl, who))
end

-- ARGV: op, token, ttl_ms, "pid host", limit.
-- {1, fence}: acquired. {0, ms until the first lease ends (-1: never),
-- its token, its info, holder count, server time ms}: refused. {-1, limit in use (1: a
-- plain lock)}: the name is used with another limit.
if op == 'acquire' then
  local token, ttl, who, limit = ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
  prune()
  if limit == 1 then
    if redis.call('ZCARD', holders) > 0 then
      return {-1, tonumber(redis.call('GET', limit_key) or 0)}
    end
    if redis.call('SET', lock, token, 'NX', 'PX', ttl) then
      local f = redis.call('INCR', fence)
      redis.call('DEL', info)
      stamp(token, ttl, f, who)
      redis.call('PEXPIRE', info, ttl)
      return {1, f}
    end
    local holder = redis.call('GET', lock)
    return {0, redis.call('PTTL', lock), holder, redis.call('HGET', info, holder), 1, now}
  end
  if redis.call('EXISTS', lock) == 1 then
    return {-1, 1}
  end
  local stored = redis.call('GET', limit_key)
  if stored and tonumber(stored) ~= limit then
    return {-1, tonumber(stored)}
  end
  local count = redis.call('ZCARD', holders)
  if count < limit then
    local f = redis.call('INCR', fence)
    redis.call('ZADD', holders, string.format('%d', now + ttl), token)
    stamp(token, ttl, f, who)
    extend(limit)
    return {1, f}
  end
  local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now, first[1], redis.call('HGET', info, first[1]), count, now}
end

-- The holder's command has ended and its lease runs out as --hold asked:
-- its info says so ("hold " first), for inspection.
local function mark_hold(token)
  local text = redis.call('HGET', info, token)
  if text and string.sub(text, 1, 5) ~= 'hold ' then
    redis.call('HSET', info, token, 'hold ' .. text)
  end
end

-- ARGV: op, token, ttl_ms, limit, and 'hold' for the post-run hold. 1: the
-- lease now ends ttl_ms from now; 0: the token no longer holds it.
if op == 'renew' then
  local token, ttl, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
  if limit == 1 then
    if redis.call('GET', lock) ~= token then
      return 0
    end
    redis.call('PEXPIRE', lock, ttl)
    redis.call('PEXPIRE', info, ttl)
  else
    local score = redis.call('ZSCORE', holders, token)
    if not score or tonumber(score) <= now then
      prune()
      return 0
    end
    redis.call('ZADD', holders, string.format('%d', now + ttl), token)
    extend(limit)
  end
  if ARGV[5] == 'hold' then
    mark_hold(token)
  end
  return 1
end

-- ARGV: op, token, limit. 1: released; 0: it was not ours any more.
if op == 'release' then
  local token, limit = ARGV[2], tonumber(ARGV[3])
  if limit == 1 then
    if redis.call('GET', lock) ~= token then
      return 0
    end
    redis.call('DEL', lock, info)
    wake(1, 1)
    return 1
  end
  local removed = redis.call('ZREM', holders, token)
  redis.call('HDEL', info, token)
  if redis.call('ZCARD', holders) == 0 then
    redis.call('DEL', limit_key, info)
  end
  if removed == 1 then
    wake(1, limit)
  end
  return removed
end

-- ARGV: op. {server time ms, limit, last fence, then per holder: token, ms
-- left (-1: no expiry), info}. 'force' deletes it too, whoever holds it.
if op == 'status' or op == 'force' then
  local out = {now, 1, tonumber(redis.call('GET', fence) or 0)}
  local token = redis.call('GET', lock)
  if token then
    table.insert(out, token)
    table.insert(out, redis.call('PTTL', lock))
    table.insert(out, redis.call('HGET', info, token))
  else
    local members = redis.call('ZRANGEBYSCORE', holders, '(' .. string.format('%d', now), '+inf', 'WITHSCORES')
    if #members > 0 then
      out[2] = tonumber(redis.call('GET', limit_key) or 0)
    end
    for i = 1, #members, 2 do
      table.insert(out, members[i])
      table.insert(out, tonumber(members[i + 1]) - now)
      table.insert(out, redis.call('HGET', info, members[i]))
    end
  end
  if op == 'force' then
    local count = (#out - 3) / 3
    redis.call('DEL', lock, info, holders, limit_key)
    if count > 0 then
      wake(count, count)
    end
  end
  return out
end

return redis.error_reply('ERR statesync lock script: unknown operation ' .. tostring(op))
