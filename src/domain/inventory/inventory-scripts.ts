/**
 * Lua scripts over one event's inventory keys. Each runs as one step on the
 * Redis server; ioredis loads them once and calls them by SHA (EVALSHA).
 *
 * Seat numbers travel as strings and members; a free seat's score is its own
 * number. Reservations are scored with their expiry in epoch milliseconds.
 */

/**
 * A pool is closed (meta field `closed`) when its event is cancelled: every
 * script that takes seats answers -3, every script that gives seats back
 * leaves it empty, and a rebuild keeps it closed.
 */

/**
 * Every script or transaction that takes seats writes a take record (KEYS[4],
 * `{event:N}:take:<id>`, see seat-keys.ts): the seats it took, for as long as
 * their reservation lasts. If the reply to a take is lost (a client timeout),
 * the app cannot know whether it ran; CANCEL_TAKE then gives back exactly the
 * seats of that record, or leaves a tombstone under the same key so that the
 * take, if it runs later (on any connection), takes nothing (-4).
 */

/** atomic strategy: check availability and take the `n` lowest free seats. KEYS free, reserved, meta, take record. ARGV n, reservedUntil, recordTtlMs. */
export const TAKE_SEATS = `
if redis.call('EXISTS', KEYS[4]) == 1 then return {-4, 0} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, 0} end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return {-3, 0} end
local n = tonumber(ARGV[1])
local available = redis.call('ZCARD', KEYS[1])
if available < n then return {-2, available} end
local popped = redis.call('ZPOPMIN', KEYS[1], n)
local result = {0, available - n}
local claims = {}
local taken = {}
for i = 1, #popped, 2 do
  result[#result + 1] = tonumber(popped[i])
  claims[#claims + 1] = ARGV[2]
  claims[#claims + 1] = popped[i]
  taken[#taken + 1] = popped[i]
end
redis.call('ZADD', KEYS[2], unpack(claims))
redis.call('SET', KEYS[4], table.concat(taken, ','), 'PX', ARGV[3])
return result
`;

/**
 * A take whose reply was lost: gives back the seats its record names (only
 * those still reserved), and in every case leaves the tombstone "cancelled",
 * so the take, should it run later, takes nothing. Idempotent.
 * KEYS free, reserved, meta, take record. ARGV recordTtlMs.
 */
export const CANCEL_TAKE = `
local record = redis.call('GET', KEYS[4])
if record == 'cancelled' then return 0 end
redis.call('SET', KEYS[4], 'cancelled', 'PX', ARGV[1])
if not record then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return 0 end
local returned = 0
for seat in string.gmatch(record, '[^,]+') do
  if redis.call('ZREM', KEYS[2], seat) == 1 then
    redis.call('ZADD', KEYS[1], seat, seat)
    returned = returned + 1
  end
end
return returned
`;

/**
 * Moves exactly these seats from free to reserved, or nothing if any of them is no
 * longer free. The pessimistic strategy's write: the lock gives it exclusivity,
 * this all-or-nothing check is its fence if the lock was lost mid-way.
 * KEYS free, reserved, meta, take record. ARGV reservedUntil, recordTtlMs, seat...
 */
export const MOVE_SEATS_TO_RESERVED = `
if redis.call('EXISTS', KEYS[4]) == 1 then return -4 end
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return -3 end
for i = 3, #ARGV do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then return 0 end
end
local claims = {}
for i = 3, #ARGV do
  claims[#claims + 1] = ARGV[1]
  claims[#claims + 1] = ARGV[i]
end
redis.call('ZREM', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], unpack(claims))
redis.call('SET', KEYS[4], table.concat(ARGV, ',', 3), 'PX', ARGV[2])
return 1
`;

/**
 * Compensation: a booking failed after taking seats. Only seats still held go
 * back (a sweep may already have returned them; never add a seat twice).
 * KEYS free, reserved, meta. ARGV seat...
 */
export const RELEASE_RESERVED_SEATS = `
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return 0 end
local returned = 0
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i])
    returned = returned + 1
  end
end
return returned
`;

/**
 * A cancellation deleted these seats' tickets in MySQL: they are free again.
 * Bumps the generation first, so a rebuild whose snapshot predates the
 * cancellation is refused and redone. KEYS free, reserved, meta, generation. ARGV seat...
 */
export const RETURN_CANCELLED_SEATS = `
redis.call('INCR', KEYS[4])
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return 0 end
for i = 1, #ARGV do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i])
end
return #ARGV
`;

/**
 * Settles expired reservations after MySQL said which of them became tickets:
 * ticketed ones are dropped, the others return to the pool. A reservation that was
 * renewed or removed meanwhile is left alone.
 * KEYS free, reserved, meta. ARGV now, then pairs (seat, "1" if ticketed else "0").
 */
export const SETTLE_EXPIRED_RESERVATIONS = `
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return 0 end
local now = tonumber(ARGV[1])
local returned = 0
for i = 2, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if score and tonumber(score) <= now then
    redis.call('ZREM', KEYS[2], ARGV[i])
    if ARGV[i + 1] == '0' then
      redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i])
      returned = returned + 1
    end
  end
end
return returned
`;

/**
 * The last, short step of a rebuild (SeatPool.rebuild): the free seats of a
 * MySQL snapshot were written to a staging key in chunks, each its own
 * command, so Redis served everyone else in between; this swaps them in. The
 * seats of live reservations (bookings in flight) are left out; reservations that expired
 * before the snapshot are dropped (the snapshot knows whether they became
 * tickets). Refused (-1) if a cancellation happened since the snapshot's
 * generation was read. The old pool is unlinked (freed in the background).
 * KEYS free, reserved, meta, generation, staging. ARGV capacity, snapshotAt, expectedGeneration.
 */
export const SWAP_IN_REBUILT_POOL = `
local generation = redis.call('GET', KEYS[4]) or '0'
if generation ~= ARGV[3] then return -1 end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
local live = redis.call('ZRANGE', KEYS[2], 0, -1)
for i = 1, #live, 1000 do
  redis.call('ZREM', KEYS[5], unpack(live, i, math.min(i + 999, #live)))
end
redis.call('UNLINK', KEYS[1])
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('RENAME', KEYS[5], KEYS[1])
  redis.call('PERSIST', KEYS[1])
end
redis.call('HSET', KEYS[3], 'capacity', ARGV[1], 'rebuiltAt', ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

/**
 * Closes the pool of a cancelled event, in one step: no seat free, none reserved,
 * and the meta field `closed` that every other script honours. Bumps the
 * generation, so a rebuild whose snapshot predates the close is redone (and
 * then finds the pool closed). KEYS free, reserved, meta, generation. ARGV now.
 */
export const CLOSE_INVENTORY = `
redis.call('INCR', KEYS[4])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[3], 'closed', ARGV[1])
return 1
`;

/**
 * Group commit, atomic strategy: takes the lowest free seats for every booking
 * of a batch, in order, each booking all or nothing (one that does not fit in
 * what is left gets -1 and what was left; a smaller one after it may fit).
 * KEYS free, reserved, meta, take record (one for the batch). ARGV reservedUntil, recordTtlMs, quantity...
 * Returns {-1} if the pool is missing, {-3} if it is closed, {-4} if the take was cancelled before it ran,
 * else {free after, then per booking: n and its n seats, or -1 and the seats left}.
 */
export const TAKE_SEATS_FOR_BATCH = `
if redis.call('EXISTS', KEYS[4]) == 1 then return {-4} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1} end
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return {-3} end
local available = redis.call('ZCARD', KEYS[1])
local result = {0}
local taken = {}
for i = 3, #ARGV do
  local n = tonumber(ARGV[i])
  if available < n then
    result[#result + 1] = -1
    result[#result + 1] = available
  else
    local popped = redis.call('ZPOPMIN', KEYS[1], n)
    available = available - n
    result[#result + 1] = n
    local claims = {}
    for j = 1, #popped, 2 do
      result[#result + 1] = tonumber(popped[j])
      claims[#claims + 1] = ARGV[1]
      claims[#claims + 1] = popped[j]
      taken[#taken + 1] = popped[j]
    end
    redis.call('ZADD', KEYS[2], unpack(claims))
  end
end
if #taken > 0 then redis.call('SET', KEYS[4], table.concat(taken, ','), 'PX', ARGV[2]) end
result[1] = available
return result
`;

/**
 * An event off sale (its sale ended, or it was cancelled) leaves Redis: its
 * seats are unlinked (freed in the background). A closed pool keeps its
 * `closed` marker for a while (ARGV closedTtlMs), so instances with a stale
 * copy of the event still find it closed without asking MySQL; after that a
 * booking finds no pool and the rebuild closes it again from MySQL.
 * KEYS free, reserved, meta. ARGV closedTtlMs.
 */
export const DROP_INVENTORY = `
redis.call('UNLINK', KEYS[1], KEYS[2])
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then
  redis.call('PEXPIRE', KEYS[3], ARGV[1])
  return 1
end
redis.call('UNLINK', KEYS[3])
return 0
`;
