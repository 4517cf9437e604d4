-- Every operation on one lock (or counting semaphore), in one script so the
-- helpers are shared and each operation is atomic. See lock.hpp for the keys.
-- KEYS: lock, fence, signal, info, holders, limit, history, runs, window,
-- refusals, queue, xsignal, serial
-- ARGV[1]: the operation; the rest depends on it (below).
-- Times are the server's (TIME), so hosts' clocks never matter.
local lock, fence, signal, info, holders, limit_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local history, runs, window, refusals = KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local queue, xsignal, serial = KEYS[11], KEYS[12], KEYS[13]
local op = ARGV[1]

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Waiters block on a signal list; a release pushes one element per freed
-- place (BLPOP serves the longest waiter first), keeping at most `keep`.
-- It expires soon: a waiter that missed it falls back on its timer.
local function push(list, count, keep)
  for _ = 1, count do
    redis.call('LPUSH', list, '1')
  end
  redis.call('LTRIM', list, 0, keep - 1)
  redis.call('PEXPIRE', list, 10000)
end

local function wake(count, keep)
  push(signal, count, keep)
end

-- Shared holders (limit 0 in the calls below) are kept as a semaphore's
-- are, in `holders`. An exclusive waiter they keep out is queued (token ->
-- when its entry lapses unless it tries again), and while one is queued
-- no new shared holder is let in: a stream of shared holders cannot
-- starve it. Queued waiters block on `xsignal` before `signal`.
local function queued()
  redis.call('ZREMRANGEBYSCORE', queue, '-inf', now)
  return redis.call('ZCARD', queue)
end

-- The lock is free: a queued exclusive waiter goes first, else whoever
-- has waited longest.
local function wake_next()
  if queued() > 0 then
    push(xsignal, 1, 1)
  else
    wake(1, 1)
  end
end

-- Fencing. `serial` numbers the acquisitions (each gets the next: its
-- fencing token); `fence` holds the oldest token still allowed to write,
-- which fence.lua and the fenced writes compare with: an exclusive
-- holder's (or a semaphore holder's) own, or the first of the shared
-- holders holding the lock together, so that shared holders do not fence
-- each other while every holder before them is fenced. `fence` was the
-- counter before shared locks: `serial` starts from it.
local function take_fence(raise)
  if redis.call('EXISTS', serial) == 0 then
    redis.call('SET', serial, redis.call('GET', fence) or '0')
  end
  local f = redis.call('INCR', serial)
  if raise then
    redis.call('SET', fence, f)
  end
  return f
end

local function last_fence()
  return math.max(tonumber(redis.call('GET', serial) or 0), tonumber(redis.call('GET', fence) or 0))
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

-- Run history (see lock_history.hpp). A run being held has an entry in
-- `runs`: token -> "lease_end fence wait_ms start_ms history_len once_per
-- once_any window mode pid host" (mode: x exclusive, s shared; host last:
-- the rest of the line; entries written before shared locks have no mode). Its record
-- goes to the `history` stream when it ends, in the same script as the
-- release; a run whose lease ended without one is recorded by whoever
-- finds it first (sweep).
local function parse_run(entry)
  local lease_end, f, wait, start, len, once_per, once_any, idx, mode, pid, host =
    string.match(entry, '^(%d+) (%d+) (%d+) (%d+) (%d+) (%d+) (%d) (%d+) ([xs]) (%S+) (.*)$')
  if not lease_end then
    lease_end, f, wait, start, len, once_per, once_any, idx, pid, host =
      string.match(entry, '^(%d+) (%d+) (%d+) (%d+) (%d+) (%d+) (%d) (%d+) (%S+) (.*)$')
  end
  return {lease_end = tonumber(lease_end), fence = f, wait = wait, start = tonumber(start), len = tonumber(len),
          once_per = tonumber(once_per), once_any = once_any == '1', window = tonumber(idx), pid = pid, host = host,
          mode = mode == 's' and 'shared' or 'exclusive'}
end

-- The server's own error when the history key holds another type.
local function history_type_error()
  local checked = redis.pcall('XLEN', history)
  if type(checked) == 'table' and checked.err then
    return checked
  end
  return nil
end

local function append(len, fields)
  if len > 0 then
    redis.call('XADD', history, 'MAXLEN', len, '*', unpack(fields))
  end
end

local function run_record(run, outcome, ended, code, sig, max_runtime, by)
  return {'host', run.host, 'pid', run.pid, 'fence', run.fence, 'wait', run.wait, 'start', string.format('%d', run.start),
          'end', string.format('%d', ended), 'outcome', outcome, 'exit', code, 'signal', sig,
          'max_runtime', max_runtime, 'by', by, 'mode', run.mode}
end

-- --once-per: the window `run` started in has run; it stays marked until
-- the window ends.
local function use_window(run)
  local window_end = (run.window + 1) * run.once_per
  if run.once_per > 0 and window_end > now then
    redis.call('SET', window, string.format('%d %d %s %s', run.window, run.start, run.pid, run.host),
               'PXAT', string.format('%d', window_end))
  end
end

local function live(token)
  if redis.call('GET', lock) == token then
    return true
  end
  local score = redis.call('ZSCORE', holders, token)
  return score and tonumber(score) > now
end

-- Runs whose holder vanished (its lease ended, no record written): their
-- record, ending when the lease did.
local function sweep()
  local all = redis.call('HGETALL', runs)
  for i = 1, #all, 2 do
    if not live(all[i]) then
      local run = parse_run(all[i + 1])
      append(run.len, run_record(run, 'vanished', math.min(run.lease_end, now), '0', '0', '0', ''))
      redis.call('HDEL', runs, all[i])
    end
  end
end

local function begin_run(token, f, ttl, who, len, wait, once_per, once_any, shared)
  if len == 0 and once_per == 0 then
    return
  end
  local idx = once_per > 0 and math.floor(now / once_per) or 0
  local entry = string.format('%d %d %d %d %d %d %d %d %s %s', now + ttl, f, wait, now, len, once_per, once_any, idx,
                              shared and 's' or 'x', who)
  redis.call('HSET', runs, token, entry)
  if once_any == 1 then
    use_window(parse_run(entry))
  end
end

local function extend_run(token, ttl)
  local entry = redis.call('HGET', runs, token)
  if entry then
    redis.call('HSET', runs, token, string.format('%d', now + ttl) .. string.sub(entry, string.find(entry, ' '), -1))
  end
end

-- {-2, its start (ms), "pid host", ms until the window ends} when the
-- current --once-per window has run already.
local function window_done(once_per)
  local done = once_per > 0 and redis.call('GET', window)
  if not done then
    return nil
  end
  local idx, start, who = string.match(done, '^(%d+) (%d+) (.*)$')
  local current = math.floor(now / once_per)
  if tonumber(idx) ~= current then
    return nil
  end
  return {-2, tonumber(start), who, (current + 1) * once_per - now}
end

-- The refusal while holders share it: the holder whose lease ends first.
local function shared_refusal(count, queued_flag)
  local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now, first[1], redis.call('HGET', info, first[1]), count, now, queued_flag}
end

-- ARGV: op, token, ttl_ms, "pid host", limit (0: shared), then optionally
-- history_len, wait start (ms, server clock; "": now), once_per_ms,
-- once_any (0/1), queue_ms (an exclusive attempt that will wait: kept
-- out by shared holders, it is queued this long).
-- {1, fence}: acquired. {0, ms until the first lease ends (-1: never),
-- its token, its info, holder count, server time ms, 1 if queued}: refused.
-- {-1, limit in use (1: a plain lock, 0: shared)}: the name is used with
-- another limit. {-2, ...}: see window_done.
if op == 'acquire' then
  local token, ttl, who, limit = ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
  local len, once_per, once_any = tonumber(ARGV[6] or '0'), tonumber(ARGV[8] or '0'), tonumber(ARGV[9] or '0')
  local waited = ARGV[7] and ARGV[7] ~= ''
  local wait = waited and tonumber(ARGV[7]) or now
  local queue_ms = tonumber(ARGV[10] or '0')
  if len > 0 then
    local wrong = history_type_error()
    if wrong then
      return wrong
    end
  end
  prune()
  sweep()
  local done = window_done(once_per)
  if done then
    -- A waiter woken by the release leaves without taking the lock: the
    -- wake-up goes on to the next waiter, who learns the same.
    if redis.call('EXISTS', lock) == 0 then
      wake(1, 1)
    end
    return done
  end
  if limit == 1 then
    if redis.call('ZCARD', holders) > 0 then
      local stored = redis.call('GET', limit_key)
      if stored ~= '0' then
        return {-1, tonumber(stored or 0)}
      end
      if queue_ms > 0 then
        redis.call('ZADD', queue, string.format('%d', now + queue_ms), token)
        redis.call('PEXPIRE', queue, queue_ms)
      end
      return shared_refusal(redis.call('ZCARD', holders), queue_ms > 0 and 1 or 0)
    end
    if redis.call('SET', lock, token, 'NX', 'PX', ttl) then
      redis.call('ZREM', queue, token)
      local f = take_fence(true)
      redis.call('DEL', info)
      stamp(token, ttl, f, who)
      redis.call('PEXPIRE', info, ttl)
      begin_run(token, f, ttl, who, len, wait, once_per, once_any, false)
      return {1, f}
    end
    local holder = redis.call('GET', lock)
    return {0, redis.call('PTTL', lock), holder, redis.call('HGET', info, holder), 1, now, 0}
  end
  local stored = redis.call('GET', limit_key)
  if limit == 0 then
    local holder = redis.call('GET', lock)
    if holder then
      return {0, redis.call('PTTL', lock), holder, redis.call('HGET', info, holder), 1, now, 0}
    end
    if stored and stored ~= '0' then
      return {-1, tonumber(stored)}
    end
    local count = redis.call('ZCARD', holders)
    if queued() > 0 then
      if count > 0 then
        return shared_refusal(count, 0)
      end
      local first = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
      return {0, tonumber(first[2]) - now, first[1], false, 0, now, 0}
    end
    local f = take_fence(count == 0)
    redis.call('ZADD', holders, string.format('%d', now + ttl), token)
    stamp(token, ttl, f, who)
    extend(0)
    begin_run(token, f, ttl, who, len, wait, once_per, once_any, true)
    if waited then
      -- Woken by a release: the shared waiters behind it may come in too.
      wake(1, 1)
    end
    return {1, f}
  end
  if redis.call('EXISTS', lock) == 1 then
    return {-1, 1}
  end
  if stored and tonumber(stored) ~= limit then
    return {-1, tonumber(stored)}
  end
  local count = redis.call('ZCARD', holders)
  if count < limit then
    local f = take_fence(true)
    redis.call('ZADD', holders, string.format('%d', now + ttl), token)
    stamp(token, ttl, f, who)
    extend(limit)
    begin_run(token, f, ttl, who, len, wait, once_per, once_any, false)
    return {1, f}
  end
  local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now, first[1], redis.call('HGET', info, first[1]), count, now, 0}
end

-- The holder's command has ended and its lease runs out as --hold asked:
-- its info says so ("hold " first), for inspection.
local function mark_hold(token)
  local text = redis.call('HGET', info, token)
  if text and string.sub(text, 1, 5) ~= 'hold ' then
    redis.call('HSET', info, token, 'hold ' .. text)
  end
end

-- 1: the lease now ends ttl_ms from now; 0: the token no longer holds it.
-- `hold`: this is the post-run --hold (marked for inspection).
local function renew(token, ttl, limit, hold)
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
  extend_run(token, ttl)
  if hold then
    mark_hold(token)
  end
  return 1
end

-- 1: released; 0: it was not ours any more.
local function release(token, limit)
  if limit == 1 then
    if redis.call('GET', lock) ~= token then
      return 0
    end
    redis.call('DEL', lock, info)
    wake_next()
    return 1
  end
  local removed = redis.call('ZREM', holders, token)
  redis.call('HDEL', info, token)
  local last = redis.call('ZCARD', holders) == 0
  if last then
    redis.call('DEL', limit_key, info)
  end
  if removed == 1 and limit > 1 then
    wake(1, limit)
  elseif removed == 1 and last then
    wake_next()
  end
  return removed
end

-- An exclusive waiter that gives up leaves the queue; the shared waiters
-- it held back are woken when nothing else keeps them out. ARGV: op, token.
if op == 'dequeue' then
  redis.call('ZREM', queue, ARGV[2])
  if redis.call('EXISTS', lock) == 0 and queued() == 0 then
    wake(1, 1)
  end
  return 1
end

-- ARGV: op, token, ttl_ms, limit, and 'hold' for the post-run hold. See
-- renew().
if op == 'renew' then
  return renew(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == 'hold')
end

-- The run's record, and the release (hold 0) or the lease cut to `hold`
-- ms. ARGV: op, token, limit, then for 'finish': hold_ms, outcome, exit
-- status, signal, max_runtime (0/1). 'release' replies as release();
-- 'finish' {release()'s reply, wait start, run start, end (server ms; 0: no
-- run entry, history off)}. A run no longer holding the lock ends 'lost'.
if op == 'release' or op == 'finish' then
  local token, limit = ARGV[2], tonumber(ARGV[3])
  local hold = tonumber(ARGV[4] or '0')
  local outcome = ARGV[5] or 'released'
  local entry = redis.call('HGET', runs, token)
  local times = {0, 0, 0}
  if entry then
    local run = parse_run(entry)
    local wrong = run.len > 0 and history_type_error()
    if wrong then
      return wrong
    end
    if not live(token) then
      outcome = 'lost'
    end
    append(run.len, run_record(run, outcome, now, ARGV[6] or '0', ARGV[7] or '0', ARGV[8] or '0', ''))
    if outcome == 'ok' or outcome == 'released' then
      use_window(run)
    end
    redis.call('HDEL', runs, token)
    times = {tonumber(run.wait), run.start, now}
  end
  local released
  if hold > 0 then
    released = renew(token, hold, limit, true)
  else
    released = release(token, limit)
  end
  if op == 'release' then
    return released
  end
  return {released, times[1], times[2], times[3]}
end

-- A refused attempt (-n, or -w's time up), or a --once-per skip. ARGV: op,
-- "pid host", history_len, wait start (ms), who holds it (or ran the
-- window), outcome ('refused' or 'skipped'). They go to a stream of their
-- own with its own bound, so that a fleet's refusals never push the runs
-- out of the history. Reply: the server time.
if op == 'refused' then
  local pid, host = string.match(ARGV[2], '^(%S+) (.*)$')
  local wrong = history_type_error()
  if wrong then
    return wrong
  end
  local len = tonumber(ARGV[3])
  if len > 0 then
    redis.call('XADD', refusals, 'MAXLEN', len, '*', 'host', host, 'pid', pid, 'fence', '0', 'wait', ARGV[4],
               'start', '0', 'end', string.format('%d', now), 'outcome', ARGV[6] or 'refused', 'exit', '0',
               'signal', '0', 'max_runtime', '0', 'by', ARGV[5])
  end
  return now
end

-- ARGV: op, count (0: all), '1' to read the refusals and skips too.
-- {runs, refusals and skips (empty unless asked), how many of those are
-- kept}: each newest first, as XREVRANGE.
if op == 'history' then
  local wrong = history_type_error()
  if wrong then
    return wrong
  end
  sweep()
  local function newest(key)
    local count = tonumber(ARGV[2])
    if count > 0 then
      return redis.call('XREVRANGE', key, '+', '-', 'COUNT', count)
    end
    return redis.call('XREVRANGE', key, '+', '-')
  end
  local apart = {}
  if ARGV[3] == '1' then
    apart = newest(refusals)
  end
  return {newest(history), apart, redis.call('XLEN', refusals)}
end

-- {last run, last success, last failure}: records as XREVRANGE gives them,
-- nil when there is none. Refusals are not runs.
if op == 'summary' then
  local wrong = history_type_error()
  if wrong then
    return wrong
  end
  sweep()
  local found = {false, false, false}
  local upper = '+'
  repeat
    local batch = redis.call('XREVRANGE', history, upper, '-', 'COUNT', 100)
    for _, record in ipairs(batch) do
      local fields = record[2]
      local outcome
      for i = 1, #fields, 2 do
        if fields[i] == 'outcome' then
          outcome = fields[i + 1]
        end
      end
      if outcome ~= 'refused' then
        found[1] = found[1] or record
        if outcome == 'ok' or outcome == 'released' then
          found[2] = found[2] or record
        else
          found[3] = found[3] or record
        end
      end
      upper = '(' .. record[1]
    end
  until #batch < 100 or (found[2] and found[3])
  return found
end

-- ARGV: op. {server time ms, limit, last fence, then per holder: token, ms
-- left (-1: no expiry), info}. 'force' deletes it too, whoever holds it.
if op == 'status' or op == 'force' then
  sweep()
  local out = {now, 1, last_fence()}
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
