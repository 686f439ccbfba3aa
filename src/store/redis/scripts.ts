/**
 * The Redis store's atomic steps, as Lua scripts (keys.ts describes the data they keep). Redis
 * runs a script with nothing else in between, so each is a transaction across every process that
 * shares the store. Each script takes the key base (`{prefix}:`) as ARGV[1] and builds its key
 * names from it; times come in as arguments (the caller's `now`, as with the other stores), so a
 * script is deterministic and replicates as it is.
 *
 * A message's state change itself (lifecycle.ts's pure functions) is computed in JavaScript from
 * the record as read, and `write` stores it only if the record's version (`ver`) is still the one
 * read, with the step's condition on the lease checked inside: an optimistic transaction, retried
 * when another process changed the message in between. The rules stay in one place, shared with
 * the memory and sqlite stores, and no script decodes JSON (cjson would turn an empty list into
 * an object).
 */
import { createHash } from 'node:crypto';

/** Helpers every script starts with. */
const PRELUDE = `
local B = ARGV[1]
local function msg(id) return B .. 'm:' .. id end
-- The member qm of a queue holds the id after the 16-digit sequence and a bar.
local function id_of(qm) return string.sub(qm, 18) end
local function stop_waiting(id)
  local waits = redis.call('HGET', msg(id), 'waits')
  if waits then
    for t in string.gmatch(waits, '[^\\n]+') do redis.call('SREM', B .. 'w:' .. t, id) end
    redis.call('HDEL', msg(id), 'waits')
  end
end
local function end_lease(id)
  redis.call('HDEL', msg(id), 'owner', 'until')
  redis.call('ZREM', B .. 'leases', id)
end
-- A QUEUED message goes to the leases while its lease is live, else to its claimable queue.
local function place(id, now)
  local h = redis.call('HMGET', msg(id), 'prio', 'next', 'qm', 'owner', 'until')
  if h[4] and tonumber(h[5]) > now then
    redis.call('ZREM', B .. 'q:' .. h[1], h[3])
    redis.call('ZADD', B .. 'leases', h[5], id)
  else
    redis.call('ZREM', B .. 'leases', id)
    redis.call('ZADD', B .. 'q:' .. h[1], h[2], h[3])
  end
end
`;

/**
 * ARGV: base, id, idempotency key ('' none), doc, state, next, priority, rest at ('' none),
 * refused ('1'/'0'). Returns {1} when inserted, {0, doc, next} of the message holding the key.
 */
const INSERT = `
local id, key, state, next = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
if key ~= '' then
  local holder = redis.call('HGET', B .. 'idem', key)
  if holder then
    local h = redis.call('HMGET', msg(holder), 'doc', 'next')
    if h[1] then return {0, h[1], h[2]} end
  end
end
local m = msg(id)
if redis.call('EXISTS', m) == 1 then return redis.error_reply('message ' .. id .. ' exists already') end
local qm = string.format('%016d', redis.call('INCR', B .. 'seq')) .. '|' .. id
redis.call('HSET', m, 'doc', ARGV[4], 'state', state, 'next', next, 'prio', ARGV[7], 'ver', 1, 'qm', qm)
redis.call('HINCRBY', B .. 'counts', state, 1)
if key ~= '' then
  redis.call('HSET', B .. 'idem', key, id)
  redis.call('HSET', m, 'idem', key)
end
if state == 'QUEUED' then
  redis.call('ZADD', B .. 'q:' .. ARGV[7], next, qm)
  redis.call('ZADD', B .. 'queued', next, id)
end
if ARGV[8] ~= '' then redis.call('ZADD', B .. (ARGV[9] == '1' and 'rest:refused' or 'rest'), ARGV[8], id) end
return {1}
`;

/**
 * A message's transition. ARGV: base, id, version read, condition (any: none; queued: QUEUED;
 * owner: QUEUED and leased by the owner; free: QUEUED under no live lease), owner, now, doc ('':
 * links only), state, next, priority, rest at ('' none), refused, ends lease ('1'/'0'), waits to
 * add (transport ids one per line, '' none), keeps its waits ('1': lifecycle.ts keepsLinkWait),
 * link count, then per link: pl key, field, value.
 * Links are made first, whatever the outcome, while the message exists (a submit that happened
 * is linked). Returns 'ok', 'gone', 'conflict' (the version moved: read again) or 'refused'.
 */
const WRITE = `
local id, now = ARGV[2], tonumber(ARGV[6])
local m = msg(id)
if redis.call('EXISTS', m) == 0 then return 'gone' end
local links = tonumber(ARGV[16])
for i = 0, links - 1 do
  local key, field = ARGV[17 + i * 3], ARGV[18 + i * 3]
  redis.call('HSET', B .. key, field, ARGV[19 + i * 3])
  redis.call('SADD', B .. 'ml:' .. id, string.match(field, '\\n(.*)$') .. ' ' .. key)
end
if ARGV[7] == '' then return 'refused' end
local h = redis.call('HMGET', m, 'ver', 'state', 'prio', 'qm', 'owner', 'until')
if h[1] ~= ARGV[3] then return 'conflict' end
local cond = ARGV[4]
if cond ~= 'any' and h[2] ~= 'QUEUED' then return 'refused' end
if cond == 'owner' and h[5] ~= ARGV[5] then return 'refused' end
if cond == 'free' and h[6] and tonumber(h[6]) > now then return 'refused' end
local old, new = h[2], ARGV[8]
if old ~= new then
  redis.call('HINCRBY', B .. 'counts', old, -1)
  redis.call('HINCRBY', B .. 'counts', new, 1)
end
if old == 'QUEUED' then
  redis.call('ZREM', B .. 'q:' .. h[3], h[4])
  redis.call('ZREM', B .. 'queued', id)
  if ARGV[15] ~= '1' then stop_waiting(id) end
end
if ARGV[13] == '1' or new ~= 'QUEUED' then end_lease(id) end
redis.call('HSET', m, 'doc', ARGV[7], 'state', new, 'next', ARGV[9], 'prio', ARGV[10], 'ver', tonumber(h[1]) + 1)
if new == 'QUEUED' then
  redis.call('ZADD', B .. 'queued', ARGV[9], id)
  place(id, now)
end
redis.call('ZREM', B .. 'rest', id)
redis.call('ZREM', B .. 'rest:refused', id)
if ARGV[11] ~= '' then redis.call('ZADD', B .. (ARGV[12] == '1' and 'rest:refused' or 'rest'), ARGV[11], id) end
if ARGV[14] ~= '' then
  local waits = redis.call('HGET', m, 'waits') or ''
  for t in string.gmatch(ARGV[14], '[^\\n]+') do
    if redis.call('SADD', B .. 'w:' .. t, id) == 1 then waits = waits .. t .. '\\n' end
  end
  redis.call('HSET', m, 'waits', waits)
end
return 'ok'
`;

/**
 * ARGV: base, now, limit, owner, lease until. First puts the leases that lapsed back in their
 * queues, then leases up to `limit` due messages, highest priority first, then by due time and
 * arrival. Returns doc, next, version of each, one after another.
 */
const CLAIM = `
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', B .. 'leases', '-inf', now, 'LIMIT', 0, 1000)) do
  local h = redis.call('HMGET', msg(id), 'state', 'prio', 'next', 'qm')
  redis.call('ZREM', B .. 'leases', id)
  if h[1] == 'QUEUED' then redis.call('ZADD', B .. 'q:' .. h[2], h[3], h[4]) end
end
local out, taken = {}, 0
for p = 3, 0, -1 do
  if taken >= limit then break end
  local q = B .. 'q:' .. p
  for _, qm in ipairs(redis.call('ZRANGEBYSCORE', q, '-inf', now, 'LIMIT', 0, limit - taken)) do
    local id = id_of(qm)
    redis.call('ZREM', q, qm)
    redis.call('ZADD', B .. 'leases', ARGV[5], id)
    redis.call('HSET', msg(id), 'owner', ARGV[4], 'until', ARGV[5])
    local h = redis.call('HMGET', msg(id), 'doc', 'next', 'ver')
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
    out[#out + 1] = h[3]
    taken = taken + 1
  end
end
return out
`;

/** ARGV: base, owner, until, ids... Returns the ids whose lease it extended. */
const RENEW = `
local renewed = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local h = redis.call('HMGET', msg(id), 'state', 'owner', 'prio', 'qm')
  if h[1] == 'QUEUED' and h[2] == ARGV[2] then
    redis.call('HSET', msg(id), 'until', ARGV[3])
    redis.call('ZREM', B .. 'q:' .. h[3], h[4])
    redis.call('ZADD', B .. 'leases', ARGV[3], id)
    renewed[#renewed + 1] = id
  end
end
return renewed
`;

/** ARGV: base, id, owner, now. */
const RELEASE = `
local id = ARGV[2]
if redis.call('HGET', msg(id), 'owner') ~= ARGV[3] then return 0 end
end_lease(id)
if redis.call('HGET', msg(id), 'state') == 'QUEUED' then place(id, tonumber(ARGV[4])) end
return 1
`;

/** ARGV: base, transport id, now. Returns how many QUEUED messages waited for it. */
const WAKE = `
local now = tonumber(ARGV[3])
local woken = 0
for _, id in ipairs(redis.call('SMEMBERS', B .. 'w:' .. ARGV[2])) do
  local m = msg(id)
  local h = redis.call('HMGET', m, 'state', 'next', 'prio', 'qm')
  if h[1] == 'QUEUED' then
    if tonumber(h[2]) > now then
      redis.call('HSET', m, 'next', ARGV[3])
      redis.call('HINCRBY', m, 'ver', 1)
      redis.call('ZADD', B .. 'queued', ARGV[3], id)
      redis.call('ZADD', B .. 'q:' .. h[3], 'XX', ARGV[3], h[4])
    end
    woken = woken + 1
  end
  stop_waiting(id)
end
return woken
`;

/**
 * ARGV: base, cutoff for final messages, cutoff for refused ones, most to remove. Removes
 * messages resting since before their cutoff, with their idempotency keys and provider links.
 */
const PURGE_MESSAGES = `
local most, removed = tonumber(ARGV[4]), 0
for _, rest in ipairs({{'rest', ARGV[2]}, {'rest:refused', ARGV[3]}}) do
  if removed >= most then break end
  local index = B .. rest[1]
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. rest[2], 'LIMIT', 0, most - removed)) do
    local m = msg(id)
    local h = redis.call('HMGET', m, 'state', 'idem')
    if h[1] then redis.call('HINCRBY', B .. 'counts', h[1], -1) end
    if h[2] and redis.call('HGET', B .. 'idem', h[2]) == id then redis.call('HDEL', B .. 'idem', h[2]) end
    for _, link in ipairs(redis.call('SMEMBERS', B .. 'ml:' .. id)) do
      local segment, key = string.match(link, '^(%d+) (.*)$')
      redis.call('HDEL', B .. key, id .. '\\n' .. segment)
    end
    redis.call('DEL', m, B .. 'ml:' .. id)
    redis.call('ZREM', index, id)
    removed = removed + 1
  end
end
return removed
`;

/** ARGV: base, cutoff, most. Removes inbound messages received before the cutoff. */
const PURGE_INBOUND = `
local old = redis.call('ZRANGEBYSCORE', B .. 'in:t', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(old) do
  redis.call('HDEL', B .. 'in', id_of(member))
  redis.call('ZREM', B .. 'in:t', member)
end
return #old
`;

/** ARGV: base, id, receivedAt, doc. */
const SAVE_INBOUND = `
local member = string.format('%016d', redis.call('INCR', B .. 'in:seq')) .. '|' .. ARGV[2]
redis.call('HSET', B .. 'in', ARGV[2], ARGV[4])
redis.call('ZADD', B .. 'in:t', ARGV[3], member)
return 1
`;

/** ARGV: base, limit. The newest inbound messages' JSON, newest first. */
const LIST_INBOUND = `
local out = {}
for _, member in ipairs(redis.call('ZREVRANGE', B .. 'in:t', 0, tonumber(ARGV[2]) - 1)) do
  local doc = redis.call('HGET', B .. 'in', id_of(member))
  if doc then out[#out + 1] = doc end
end
return out
`;

/**
 * ARGV: base, group, sequence, receivedAt, part JSON, total. Keeps the part (a repeat is
 * ignored); when its message is complete, removes the group and returns its parts' JSON.
 */
const ADD_PART = `
local g = B .. 'ip:' .. ARGV[2]
if redis.call('HSETNX', g, ARGV[3], ARGV[5]) == 1 then
  local first = redis.call('ZSCORE', B .. 'ip:first', ARGV[2])
  if not first or tonumber(ARGV[4]) < tonumber(first) then redis.call('ZADD', B .. 'ip:first', ARGV[4], ARGV[2]) end
end
if redis.call('HLEN', g) < tonumber(ARGV[6]) then return false end
local parts = redis.call('HVALS', g)
redis.call('DEL', g)
redis.call('ZREM', B .. 'ip:first', ARGV[2])
return parts
`;

/** ARGV: base, max score (exclusive, or '+inf'), most. Removes and returns stale groups' parts. */
const TAKE_STALE_PARTS = `
local out = {}
for _, group in ipairs(redis.call('ZRANGEBYSCORE', B .. 'ip:first', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local g = B .. 'ip:' .. group
  out[#out + 1] = redis.call('HVALS', g)
  redis.call('DEL', g)
  redis.call('ZREM', B .. 'ip:first', group)
end
return out
`;

/**
 * ARGV: base, now, token, then per cap: key, windowMs, max. Returns -1 when taken, else the
 * index of the first cap without room (nothing counted).
 */
const TAKE_QUOTA = `
local now, token = tonumber(ARGV[2]), ARGV[3]
local caps = {}
for i = 4, #ARGV, 3 do
  caps[#caps + 1] = { key = B .. 'quota:' .. ARGV[i], window = tonumber(ARGV[i + 1]), max = tonumber(ARGV[i + 2]) }
end
for _, cap in ipairs(caps) do redis.call('ZREMRANGEBYSCORE', cap.key, '-inf', now - cap.window) end
for _, cap in ipairs(caps) do
  if redis.call('ZSCORE', cap.key, token) then return -1 end
end
for i, cap in ipairs(caps) do
  if redis.call('ZCARD', cap.key) >= cap.max then return i - 1 end
end
for _, cap in ipairs(caps) do
  redis.call('ZADD', cap.key, now, token)
  redis.call('PEXPIRE', cap.key, math.ceil(cap.window))
end
return -1
`;

/**
 * An SMSC account's submit slots (submit-slots.ts, whose reference script this is). ARGV: base,
 * account, perSecond, now. Returns 0 when the slot is taken, else the ms to wait.
 */
const TAKE_SUBMIT_SLOT = `
local log, pause = B .. 'slots:' .. ARGV[2], B .. 'pause:' .. ARGV[2]
local per, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local paused = tonumber(redis.call('GET', pause) or '0')
if paused > now then return paused - now end
local oldest = redis.call('LINDEX', log, per - 1)
if oldest and tonumber(oldest) + 1000 > now then return tonumber(oldest) + 1000 - now end
local newest = redis.call('LINDEX', log, 0)
local gap = math.floor(500 / per)
if newest and tonumber(newest) + gap > now then return tonumber(newest) + gap - now end
redis.call('LPUSH', log, ARGV[4])
redis.call('LTRIM', log, 0, per - 1)
redis.call('PEXPIRE', log, 60000)
return 0
`;

/** ARGV: base, account, until, now. A pause only moves later. */
const PAUSE_SUBMITS = `
local pause, till = B .. 'pause:' .. ARGV[2], tonumber(ARGV[3])
if till > tonumber(redis.call('GET', pause) or '0') then
  redis.call('SET', pause, ARGV[3], 'PX', math.max(1, till - tonumber(ARGV[4])) + 60000)
end
return 0
`;

// --- the event feed (Store.joinFeed and the rest; keys.ts) -------------------------------------
// A group's record in feed:groups is "<cursor>|<seen at>|<kinds, comma-separated>".

const FEED_PRELUDE = `
local function group_of(listener)
  local g = redis.call('HGET', B .. 'feed:groups', listener)
  if not g then return nil end
  local cursor, seen, kinds = string.match(g, '^(%d+)|([^|]*)|(.*)$')
  return { cursor = tonumber(cursor), seen = seen, kinds = kinds }
end
local function save_group(listener, g)
  redis.call('HSET', B .. 'feed:groups', listener, string.format('%d', g.cursor) .. '|' .. g.seen .. '|' .. g.kinds)
end
-- Removes events (sequence numbers) from the feed and from every group's leases.
local function drop(seqs)
  if #seqs == 0 then return end
  local listeners = redis.call('HKEYS', B .. 'feed:groups')
  for _, seq in ipairs(seqs) do
    redis.call('ZREM', B .. 'feed', seq)
    redis.call('HDEL', B .. 'feed:ev', seq)
    for _, listener in ipairs(listeners) do redis.call('ZREM', B .. 'feed:p:' .. listener, seq) end
  end
end
`;

/** ARGV: base, listener, kinds (comma-separated), now. */
const JOIN_FEED = `
local g = group_of(ARGV[2])
if g then
  g.kinds, g.seen = ARGV[3], ARGV[4]
else
  g = { cursor = tonumber(redis.call('GET', B .. 'feed:seq') or '0'), seen = ARGV[4], kinds = ARGV[3] }
end
save_group(ARGV[2], g)
return 1
`;

/** ARGV: base, listener. */
const LEAVE_FEED = `
redis.call('HDEL', B .. 'feed:groups', ARGV[2])
redis.call('DEL', B .. 'feed:p:' .. ARGV[2])
return 1
`;

/**
 * ARGV: base, now, max events, then per event: kind, key ('' for none), JSON. Appends them but
 * those whose key was appended before, keeps the newest `max` (and keys), and drops what every
 * group has gone past and acknowledged.
 */
const APPEND_EVENTS = `
local last = 0
for i = 4, #ARGV, 3 do
  -- A keyed event (feed-once.ts) whose key is there already was appended before: left out.
  if ARGV[i + 1] == '' or redis.call('ZADD', B .. 'feed:once', 'NX', ARGV[2], ARGV[i + 1]) == 1 then
    last = redis.call('INCR', B .. 'feed:seq')
    redis.call('ZADD', B .. 'feed', last, last)
    redis.call('HSET', B .. 'feed:ev', last, ARGV[2] .. '|' .. ARGV[i] .. '|' .. ARGV[i + 2])
  end
end
local most = math.max(0, tonumber(ARGV[3]))
local excess = redis.call('ZCARD', B .. 'feed') - most
if excess > 0 then drop(redis.call('ZRANGE', B .. 'feed', 0, excess - 1)) end
redis.call('ZREMRANGEBYRANK', B .. 'feed:once', 0, -most - 1)
if last == 0 then last = tonumber(redis.call('GET', B .. 'feed:seq') or '0') end
local consumed = last
local groups = redis.call('HGETALL', B .. 'feed:groups')
for i = 1, #groups, 2 do
  local cursor = tonumber(string.match(groups[i + 1], '^(%d+)|'))
  if cursor < consumed then consumed = cursor end
  local leased = redis.call('ZRANGE', B .. 'feed:p:' .. groups[i], 0, -1)
  for _, seq in ipairs(leased) do
    if tonumber(seq) - 1 < consumed then consumed = tonumber(seq) - 1 end
  end
end
drop(redis.call('ZRANGEBYSCORE', B .. 'feed', '-inf', consumed))
return 1
`;

/**
 * ARGV: base, now, lease until, limit, listeners... For each listener with a group: its lapsed
 * leases first (by sequence), then the events of its kinds past its place, up to `limit`, each
 * leased until the given time. Returns listener, id, at, redelivered ('1'/'0'), JSON for each.
 */
const READ_FEED = `
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[4])
local out = {}
for i = 5, #ARGV do
  local listener = ARGV[i]
  local g = group_of(listener)
  if g then
    local pending = B .. 'feed:p:' .. listener
    local taken = 0
    local function take(seq, redelivered)
      local ev = redis.call('HGET', B .. 'feed:ev', seq)
      if not ev then
        redis.call('ZREM', pending, seq)
        return
      end
      local at, kind, doc = string.match(ev, '^([^|]*)|([^|]*)|(.*)$')
      redis.call('ZADD', pending, ARGV[3], seq)
      for _, v in ipairs({ listener, seq, at, redelivered, doc }) do out[#out + 1] = v end
      taken = taken + 1
    end
    local lapsed = redis.call('ZRANGEBYSCORE', pending, '-inf', now)
    table.sort(lapsed, function(a, b) return tonumber(a) < tonumber(b) end)
    for _, seq in ipairs(lapsed) do
      if taken >= limit then break end
      take(seq, '1')
    end
    local kinds = ',' .. g.kinds .. ','
    while taken < limit do
      local next = redis.call('ZRANGEBYSCORE', B .. 'feed', '(' .. string.format('%d', g.cursor), '+inf', 'LIMIT', 0, 100)
      if #next == 0 then break end
      for _, seq in ipairs(next) do
        if taken >= limit then break end
        g.cursor = tonumber(seq)
        local kind = string.match(redis.call('HGET', B .. 'feed:ev', seq) or '||', '^[^|]*|([^|]*)|')
        if string.find(kinds, ',' .. kind .. ',', 1, true) then take(seq, '0') end
      end
    end
    save_group(listener, g)
  end
end
return out
`;

/** ARGV: base, listener, ids... */
const ACK_FEED = `
if redis.call('HEXISTS', B .. 'feed:groups', ARGV[2]) == 0 then return 0 end
for i = 3, #ARGV do redis.call('ZREM', B .. 'feed:p:' .. ARGV[2], ARGV[i]) end
return 1
`;

/**
 * ARGV: base, cutoff, most. Removes the oldest events appended before the cutoff, and the groups
 * not joined since; returns how many events went.
 */
const TRIM_FEED = `
local cutoff, most = tonumber(ARGV[2]), tonumber(ARGV[3])
local old = {}
for _, seq in ipairs(redis.call('ZRANGE', B .. 'feed', 0, most - 1)) do
  local at = tonumber(string.match(redis.call('HGET', B .. 'feed:ev', seq) or '0|', '^([^|]*)|'))
  if at >= cutoff then break end
  old[#old + 1] = seq
end
drop(old)
redis.call('ZREMRANGEBYSCORE', B .. 'feed:once', '-inf', '(' .. ARGV[2])
local groups = redis.call('HGETALL', B .. 'feed:groups')
for i = 1, #groups, 2 do
  local seen = tonumber(string.match(groups[i + 1], '^%d+|([^|]*)|'))
  if seen < cutoff then
    redis.call('HDEL', B .. 'feed:groups', groups[i])
    redis.call('DEL', B .. 'feed:p:' .. groups[i])
  end
end
return #old
`;

/** ARGV: base, ids... The state of each ('' when there is no such message), in order. */
const STATES = `
local out = {}
for i = 2, #ARGV do out[#out + 1] = redis.call('HGET', msg(ARGV[i]), 'state') or '' end
return out
`;

export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
}

function script(name: string, body: string, prelude = ''): Script {
  const source = PRELUDE + prelude + body;
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') };
}

export const SCRIPTS = {
  insert: script('insert', INSERT),
  write: script('write', WRITE),
  claim: script('claim', CLAIM),
  renew: script('renew', RENEW),
  release: script('release', RELEASE),
  wake: script('wake', WAKE),
  purgeMessages: script('purgeMessages', PURGE_MESSAGES),
  purgeInbound: script('purgeInbound', PURGE_INBOUND),
  saveInbound: script('saveInbound', SAVE_INBOUND),
  listInbound: script('listInbound', LIST_INBOUND),
  addPart: script('addPart', ADD_PART),
  takeStaleParts: script('takeStaleParts', TAKE_STALE_PARTS),
  takeQuota: script('takeQuota', TAKE_QUOTA),
  states: script('states', STATES),
  takeSubmitSlot: script('takeSubmitSlot', TAKE_SUBMIT_SLOT),
  pauseSubmits: script('pauseSubmits', PAUSE_SUBMITS),
  joinFeed: script('joinFeed', JOIN_FEED, FEED_PRELUDE),
  leaveFeed: script('leaveFeed', LEAVE_FEED, FEED_PRELUDE),
  appendEvents: script('appendEvents', APPEND_EVENTS, FEED_PRELUDE),
  readFeed: script('readFeed', READ_FEED, FEED_PRELUDE),
  ackFeed: script('ackFeed', ACK_FEED, FEED_PRELUDE),
  trimFeed: script('trimFeed', TRIM_FEED, FEED_PRELUDE),
} as const;
