/**
 * The waiting room's Lua steps. Each runs as one step on the Redis server over
 * one event's room keys (all under the event's hash tag, so they work on a
 * Redis Cluster), which is what makes "admitted once" and "in order" hold
 * across instances. Tickets are JSON in one hash: s state, q join sequence,
 * h secret hash, c customer, j joined at, u admission valid until, n nonce,
 * a admitted at, o admission order (the room's count), k Idempotency-Key hash and x seats of the
 * request that used it.
 * Times travel as strings from Node: Lua's own number formatting would turn
 * epoch milliseconds into 1.7e+12.
 * Every step that writes a key of the room gives it a time to live (ARGV grace):
 * the admission step refreshes them while the room is active, so the keys of a
 * closed room are gone a grace period after it closed.
 */

/** KEYS room, line, customers, tickets. ARGV reference, secretHash, customer, now, grace. -> {1, ref, position} or {0, liveRef} */
export const JOIN_ROOM = `
local existing = redis.call('HGET', KEYS[3], ARGV[3])
if existing then
  local raw = redis.call('HGET', KEYS[4], existing)
  if raw then
    local t = cjson.decode(raw)
    if t.s == 'waiting' or t.s == 'admitted' or t.s == 'using' then return {0, existing} end
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], cjson.encode({s = 'waiting', q = seq, h = ARGV[2], c = ARGV[3], j = ARGV[4]}))
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return {1, ARGV[1], redis.call('ZRANK', KEYS[2], ARGV[1]) + 1}
`;

/**
 * KEYS room, line, tickets. ARGV reference.
 * -> {0} or {1, ticketJson, rank (-1 if not in line), soldOut, opened, rate, admittedTotal}
 * The admission count comes from the same step as the rank, so a stream can tell its place later from the count alone.
 */
export const READ_TICKET = `
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return {0} end
local rank = redis.call('ZRANK', KEYS[2], ARGV[1])
local room = redis.call('HMGET', KEYS[1], 'soldOut', 'opened', 'rate', 'admittedTotal')
return {1, raw, rank or -1, room[1] or '0', room[2] or '0', room[3] or '', room[4] or '0'}
`;

/**
 * The opening: once, by whichever instance gets here first. ARGV holds
 * (reference, score) pairs, the lottery's permutation of the pre-queue's own
 * scores; fifo passes none and keeps join order. Members that joined after the
 * caller read the pre-queue keep their (higher) sequence: at the back.
 * A room whose keys are gone is not brought back here (its admission step forgets it).
 * KEYS room, line. -> 1 opened now, 0 already open (or gone).
 */
export const OPEN_ROOM = `
if redis.call('HGET', KEYS[1], 'opened') == '1' or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do
  redis.call('ZADD', KEYS[2], 'XX', ARGV[i + 1], ARGV[i])
end
redis.call('HSET', KEYS[1], 'opened', '1')
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`;

/**
 * One admission step. Admissions unused by their deadline are lost. Stock is
 * read in the same step: the free pool (the inventory's, same hash tag) plus
 * the seats in checkout holds and offers that may lapse (ARGV lapsable, from
 * MySQL). Seats of bookings in flight with an admission (claims in use) come
 * off it, so they cannot lift the bound when they take their seats. No stock
 * and nothing in flight: the room is sold out (every waiting ticket reads it at
 * once). Else the lowest-ordered waiting tickets are admitted while
 * admitted-and-unserved stays within floor((stock - in flight) x factor) and a
 * token bucket allows (rate per second, burst one second's worth).
 * KEYS room, line, admitted, tickets, using, free, meta, customers.
 * ARGV now, lapsable, factor, rate, validUntil, nonceBase, staleClaimMs, unsold (capacity - MySQL's tickets), grace.
 * The room's keys are kept (their TTL refreshed to grace) unless it is closed: sold out (or the sale over)
 * with no admission outstanding. A room whose keys are gone (expired, or lost with Redis) answers soldOut -2.
 * Seats taken from the pool but not in MySQL (in limbo: a booking in flight, or one cut off by a crash until
 * the inventory settles it) are unsold - free; while there are any, the room is never called sold out.
 * -> {admittedNow, soldOut (-1: inventory unknown, -2: room gone), unserved, limit, waiting, expiredNow, admittedTotal, joinedAt...}
 */
export const ADMIT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, -2, 0, 0, 0, 0, 0} end
local function keep()
  for _, i in ipairs({1, 2, 3, 4, 5, 8}) do redis.call('PEXPIRE', KEYS[i], ARGV[9]) end
end
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, ref in ipairs(expired) do
  redis.call('ZREM', KEYS[3], ref)
  local raw = redis.call('HGET', KEYS[4], ref)
  if raw then
    local t = cjson.decode(raw)
    if t.s == 'admitted' then
      t.s = 'expired'
      redis.call('HSET', KEYS[4], ref, cjson.encode(t))
    end
  end
end
if #expired > 0 then
  redis.call('HINCRBY', KEYS[1], 'expiredTotal', #expired)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
local total = tonumber(redis.call('HGET', KEYS[1], 'admittedTotal') or '0')
local unserved = redis.call('ZCARD', KEYS[3])
if redis.call('EXISTS', KEYS[7]) == 0 then
  -- Waiting for the pool's rebuild keeps the room; a sale that is over (lapsable < 0) is not rebuilt: let it go.
  if tonumber(ARGV[2]) >= 0 then keep() end
  return {0, -1, unserved, 0, redis.call('ZCARD', KEYS[2]), #expired, total}
end
-- A claim older than a booking can last belongs to an instance that died (or lost Redis) mid-booking: its
-- seats are settled by the inventory, and MySQL's count has them if they were sold.
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - tonumber(ARGV[7]))
local inFlight = 0
for _, ref in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  local raw = redis.call('HGET', KEYS[4], ref)
  inFlight = inFlight + ((raw and cjson.decode(raw).x) or 1)
end
local stock = redis.call('ZCARD', KEYS[6]) + tonumber(ARGV[2])
local soldOut = redis.call('HGET', KEYS[1], 'soldOut') == '1'
local limbo = tonumber(ARGV[8]) - redis.call('ZCARD', KEYS[6])
if stock <= 0 and inFlight == 0 and limbo <= 0 then
  if not soldOut then
    redis.call('HSET', KEYS[1], 'soldOut', '1')
    redis.call('HINCRBY', KEYS[1], 'version', 1)
  end
  if unserved > 0 then keep() end
  return {0, 1, unserved, 0, redis.call('ZCARD', KEYS[2]), #expired, total}
end
if soldOut then
  redis.call('HSET', KEYS[1], 'soldOut', '0')
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
local limit = math.max(0, math.floor((stock - inFlight) * tonumber(ARGV[3])))
if redis.call('HGET', KEYS[1], 'opened') ~= '1' then
  keep()
  return {0, 0, unserved, limit, redis.call('ZCARD', KEYS[2]), #expired, total}
end
local rate = tonumber(ARGV[4])
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[4])
local last = tonumber(redis.call('HGET', KEYS[1], 'refilledAt') or ARGV[1])
tokens = math.min(rate, tokens + math.max(0, now - last) * rate / 1000)
local n = math.min(limit - unserved, math.floor(tokens), redis.call('ZCARD', KEYS[2]))
local result = {0, 0, unserved, limit, 0, #expired, total}
if n > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], n)
  for i = 1, #popped, 2 do
    local ref = popped[i]
    local raw = redis.call('HGET', KEYS[4], ref)
    if raw then
      local t = cjson.decode(raw)
      total = total + 1
      t.s = 'admitted'
      t.u = ARGV[5]
      t.n = ARGV[6] .. '-' .. ((i + 1) / 2)
      t.a = ARGV[1]
      t.o = total
      redis.call('HSET', KEYS[4], ref, cjson.encode(t))
      redis.call('ZADD', KEYS[3], ARGV[5], ref)
      result[#result + 1] = t.j
    end
  end
  local admitted = #result - 7
  tokens = tokens - admitted
  result[1] = admitted
  result[3] = unserved + admitted
  result[7] = total
  redis.call('HSET', KEYS[1], 'admittedTotal', total)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
result[5] = redis.call('ZCARD', KEYS[2])
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'refilledAt', ARGV[1], 'rate', ARGV[4])
keep()
return result
`;

/**
 * A booking or hold presents an admission: single use, so the first request
 * takes it ('using', out of the admitted-and-unserved set). A retry of that
 * same request (same Idempotency-Key) may pass again, to be replayed.
 * KEYS room, admitted, tickets, using. ARGV reference, nonce, customer, now, keyHash, quantity, grace.
 * -> 1 taken, 2 replay of the request that took it, -1 unknown, -2 expired, -3 used, -4 no such ticket (any more)
 */
export const CLAIM_ADMISSION = `
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return -4 end
local t = cjson.decode(raw)
if t.n ~= ARGV[2] or t.c ~= ARGV[3] then return -1 end
if t.s == 'admitted' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  if tonumber(t.u) <= tonumber(ARGV[4]) then
    t.s = 'expired'
    redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(t))
    return -2
  end
  t.s = 'using'
  t.k = ARGV[5]
  t.x = tonumber(ARGV[6])
  redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(t))
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[7]) end
  return 1
end
if (t.s == 'using' or t.s == 'served') and ARGV[5] ~= '' and t.k == ARGV[5] then return 2 end
if t.s == 'expired' then return -2 end
return -3
`;

/**
 * The booking that took an admission answered: served (booked, sold out, or a
 * definite refusal), or given back (nothing happened: a 503, bad input) while
 * the admission is still valid, so the buyer can retry.
 * A served one counts in this second's served counter (the measured rate; it outlives the window only a little).
 * KEYS room, admitted, tickets, using, served (this second's counter).
 * ARGV reference, nonce, outcome ('served'|'returned'), now, grace, the counter's time to live.
 */
export const SETTLE_ADMISSION = `
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return 0 end
local t = cjson.decode(raw)
if t.n ~= ARGV[2] or t.s ~= 'using' then return 0 end
redis.call('ZREM', KEYS[4], ARGV[1])
if ARGV[3] == 'served' then
  t.s = 'served'
  redis.call('HINCRBY', KEYS[1], 'servedTotal', 1)
  redis.call('INCR', KEYS[5])
  redis.call('PEXPIRE', KEYS[5], ARGV[6])
elseif tonumber(t.u) > tonumber(ARGV[4]) then
  t.s = 'admitted'
  redis.call('ZADD', KEYS[2], t.u, ARGV[1])
else
  t.s = 'expired'
end
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(t))
redis.call('HINCRBY', KEYS[1], 'version', 1)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return 1
`;
