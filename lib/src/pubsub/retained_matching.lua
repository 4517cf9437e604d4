-- The retained states of every channel a PSUBSCRIBE pattern matches, for
-- statesync-sub -R -P. Run inside the MULTI/EXEC that subscribes, so the
-- states and the subscription start in the same instant.
--
-- It reads the index of retained channels that the retain and clear
-- scripts keep (a sorted set, all scores 0, so ordered by name), never the
-- keyspace: only the channels that start with the pattern's literal prefix
-- are looked at, and those matched by the pattern whose state has expired
-- are pruned from the index on the way.
--
-- KEYS[1]  the index    ARGV[1]  the state keys' prefix (<prefix>state:)
-- ARGV[2]  the pattern  ARGV[3], ARGV[4]  the payload and version fields
-- Returns {channel, payload, version} triples, sorted by channel.

-- Redis's glob matching (stringmatchlen in util.c), so that the states are
-- those of the channels the pattern will deliver. p and s from pi and si.
local function matches(p, pi, s, si)
  local plen, slen = #p, #s
  while pi <= plen and si <= slen do
    local c = p:byte(pi)
    if c == 42 then -- *
      while p:byte(pi + 1) == 42 do
        pi = pi + 1
      end
      if pi == plen then
        return true
      end
      while si <= slen do
        if matches(p, pi + 1, s, si) then
          return true
        end
        si = si + 1
      end
      return false
    elseif c == 63 then -- ?
      si = si + 1
    elseif c == 91 then -- [
      pi = pi + 1
      local negate = p:byte(pi) == 94 -- ^
      if negate then
        pi = pi + 1
      end
      local sc, found = s:byte(si), false
      while true do
        local pc = p:byte(pi)
        if pc == 92 and pi < plen then -- \ escapes
          pi = pi + 1
          if p:byte(pi) == sc then
            found = true
          end
        elseif pc == 93 then -- ]
          break
        elseif pi > plen then -- no ]: the class ends with the pattern
          pi = pi - 1
          break
        elseif pi + 2 <= plen and p:byte(pi + 1) == 45 then -- a-z
          local lo, hi = pc, p:byte(pi + 2)
          if lo > hi then
            lo, hi = hi, lo
          end
          pi = pi + 2
          if sc >= lo and sc <= hi then
            found = true
          end
        elseif pc == sc then
          found = true
        end
        pi = pi + 1
      end
      if negate then
        found = not found
      end
      if not found then
        return false
      end
      si = si + 1
    else
      if c == 92 and pi < plen then -- \ escapes
        pi = pi + 1
        c = p:byte(pi)
      end
      if c ~= s:byte(si) then
        return false
      end
      si = si + 1
    end
    pi = pi + 1
    if si > slen then
      while p:byte(pi) == 42 do
        pi = pi + 1
      end
      break
    end
  end
  return pi > plen and si > slen
end

-- What every channel the pattern matches starts with.
local function literal_prefix(p)
  local out, i = {}, 1
  while i <= #p do
    local c = p:sub(i, i)
    if c == '*' or c == '?' or c == '[' then
      break
    end
    if c == '\\' and i < #p then
      i = i + 1
      c = p:sub(i, i)
    end
    out[#out + 1] = c
    i = i + 1
  end
  return table.concat(out)
end

-- ZRANGEBYLEX bounds of the names that start with `prefix`.
local function lex_range(prefix)
  if prefix == '' then
    return '-', '+'
  end
  local i = #prefix
  while i > 0 and prefix:byte(i) == 255 do
    i = i - 1
  end
  if i == 0 then
    return '[' .. prefix, '+'
  end
  return '[' .. prefix, '(' .. prefix:sub(1, i - 1) .. string.char(prefix:byte(i) + 1)
end

local prefix = literal_prefix(ARGV[2])
local min, max = lex_range(prefix)
-- "app.*" (a literal prefix, then one star): every name in the range matches.
local everything = ARGV[2] == prefix:gsub('[%*%?%[\\]', '\\%0') .. '*'
local states = {}
for _, channel in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], min, max)) do
  if everything or matches(ARGV[2], 1, channel, 1) then
    local state = redis.pcall('HMGET', ARGV[1] .. channel, ARGV[3], ARGV[4])
    if state.err == nil and state[1] then
      states[#states + 1] = {channel, state[1], state[2]}
    elseif state.err == nil then
      -- Expired (or deleted by hand). pcall: a replica refuses the write,
      -- and the next read on the master prunes it.
      redis.pcall('ZREM', KEYS[1], channel)
    end
  end
end
return states
